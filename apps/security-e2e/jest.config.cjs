module.exports = {
  displayName: 'security-e2e',
  preset: '../../jest.preset.js',
};
