module.exports = {
  displayName: 'greeter',
  preset: '../../jest.preset.js',
};
