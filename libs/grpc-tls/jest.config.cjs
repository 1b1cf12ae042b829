module.exports = {
  displayName: 'grpc-tls',
  preset: '../../jest.preset.js',
};
