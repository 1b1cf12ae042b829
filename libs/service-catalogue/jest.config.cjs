module.exports = {
  displayName: 'service-catalogue',
  preset: '../../jest.preset.js',
};
