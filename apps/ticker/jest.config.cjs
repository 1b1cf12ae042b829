module.exports = {
  displayName: 'ticker',
  preset: '../../jest.preset.js',
};
