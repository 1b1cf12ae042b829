module.exports = {
  displayName: 'nginx',
  preset: '../../jest.preset.js',
};
