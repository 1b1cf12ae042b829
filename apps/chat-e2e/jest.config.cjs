module.exports = {
  displayName: 'chat-e2e',
  preset: '../../jest.preset.js',
};
