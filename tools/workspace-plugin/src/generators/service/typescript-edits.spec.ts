import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { TypeScriptFile } from './typescript-edits';

describe(TypeScriptFile.name, () => {
  const write = (text: string) => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('list.ts', text);
    return { tree, sut: TypeScriptFile.open(tree, 'list.ts'), read: () => tree.read('list.ts', 'utf8') };
  };

  it('adds a property to an object literal however it is laid out, `satisfies` included', () => {
    const { sut, read } = write(
      "import { A } from './a';\nexport const LIST = { a: { definition: A } /* last */ } satisfies Record<string, unknown>;\n",
    );
    sut.addImport('B', './a').addProperty('LIST', "'b-c'", '{ definition: B }');
    expect(read()).toBe(
      "import { A, B } from './a';\nexport const LIST = { a: { definition: A }, 'b-c': { definition: B } /* last */ } satisfies Record<string, unknown>;\n",
    );
  });

  it('adds to an empty object literal, and a new import when none is from that module', () => {
    const { sut, read } = write('export const LIST = {};\n');
    sut.addImport('B', './b').addProperty('LIST', 'b', '1');
    expect(read()).toContain("import { B } from './b';");
    expect(read()).toContain('export const LIST = {b: 1};');
  });

  it('adds an element first to an array of the object a method returns', () => {
    const { sut, read } = write(
      'class M {\n  static forRoot() {\n    return { module: M, controllers: [A, B] };\n  }\n}\n',
    );
    sut.addToReturnedArray('forRoot', 'controllers', 'C');
    expect(read()).toContain('controllers: [C,A, B]');
  });

  it('refuses, naming the file and what it lacks, when the code has another shape', () => {
    const { sut } = write('export const LIST = makeList();\nfunction forRoot() { return build(); }\n');
    expect(() => sut.addProperty('LIST', 'b', '1')).toThrow(
      'list.ts has no object literal assigned to LIST; wire the new service in by hand',
    );
    expect(() => sut.addToReturnedArray('forRoot', 'controllers', 'C')).toThrow(
      'list.ts has no forRoot returning an object with a controllers array',
    );
  });

  it('refuses a file that is missing', () => {
    expect(() => TypeScriptFile.open(createTreeWithEmptyWorkspace(), 'nowhere.ts')).toThrow(
      'nowhere.ts is missing',
    );
  });
});
