module.exports = {
  displayName: 'processes',
  preset: '../../jest.preset.js',
};
