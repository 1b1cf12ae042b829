module.exports = {
  displayName: 'upload-e2e',
  preset: '../../jest.preset.js',
};
