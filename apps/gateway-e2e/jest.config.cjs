module.exports = {
  displayName: 'gateway-e2e',
  preset: '../../jest.preset.js',
};
