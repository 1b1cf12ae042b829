module.exports = {
  displayName: 'upload',
  preset: '../../jest.preset.js',
};
