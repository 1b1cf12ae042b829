export type ServiceStyle = 'unary' | 'server-streaming' | 'client-streaming' | 'bidi';

export interface ServiceGeneratorSchema {
  name: string;
  style: ServiceStyle;
  port?: number;
  gateway?: boolean;
  skipGenerate?: boolean;
}
