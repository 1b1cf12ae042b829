module.exports = {
  displayName: 'workspace-e2e',
  preset: '../../jest.preset.js',
};
