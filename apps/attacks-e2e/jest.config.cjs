module.exports = {
  displayName: 'attacks-e2e',
  preset: '../../jest.preset.js',
  // Each spec starts real processes and measures them under attack: one spec at a time, so
  // that the figures are the attack's and not another spec's.
  maxWorkers: 1,
};
