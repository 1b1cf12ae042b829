import { GreeterDefinition } from '../generated/helloworld/helloworld';
import { UploadServiceDefinition } from '../generated/upload/v1/upload';
import { serviceDefinition } from './service-definitions';

describe(serviceDefinition.name, () => {
  it('finds a generated service by its full name', () => {
    expect(serviceDefinition('helloworld.Greeter')).toBe(GreeterDefinition);
    expect(serviceDefinition('upload.v1.UploadService')).toBe(UploadServiceDefinition);
  });

  it('names the service no contract defines', () => {
    expect(() => serviceDefinition('helloworld.Greeters')).toThrow(
      'no contract in proto/ defines helloworld.Greeters',
    );
  });
});
