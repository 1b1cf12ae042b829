module.exports = {
  displayName: 'ticker-e2e',
  preset: '../../jest.preset.js',
};
