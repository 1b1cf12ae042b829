module.exports = {
  displayName: 'greeter-e2e',
  preset: '../../jest.preset.js',
};
