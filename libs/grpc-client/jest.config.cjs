module.exports = {
  displayName: 'grpc-client',
  preset: '../../jest.preset.js',
};
