// ghr's ESLint plugin: `ghr/module-boundaries` enforces DESIGN.md §2 from the Nx project tags that every
// workspace project declares in its package.json (`"nx": { "tags": [...] }`).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/** Which tags a project with a given `type:` tag may import, outside of tests. */
export const DEFAULT_CONSTRAINTS = {
  'type:core': ['type:core'],
  'type:adapter': ['type:core'],
  'type:cli': ['type:core', 'type:adapter'],
  'type:app': ['type:core', 'type:adapter'],
  'type:tooling': ['*'],
};
/** Tests, benchmarks and config files may also import these (the simulated GitHub, contract suites, build config). */
export const TEST_ONLY_TAGS = ['scope:testing', 'type:tooling'];
const DEV_FILE = /(\.test\.ts|\.test-support\.ts|\.bench\.ts|\/test\/.*\.ts|\.config\.ts)$/;

function loadProjects(root) {
  const projects = [];
  for (const group of ['packages', 'apps', 'tools']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const file = join(base, name, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      projects.push({ name: pkg.name, dir: join(base, name), tags: pkg.nx?.tags ?? [] });
    }
  }
  return projects;
}

const cache = new Map();
function projectsFor(root) {
  if (!cache.has(root)) cache.set(root, loadProjects(root));
  return cache.get(root);
}

function findRoot(file) {
  let dir = dirname(file);
  while (dir !== dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

const typeOf = (tags) => tags.find((t) => t.startsWith('type:'));

export const moduleBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the package dependency direction of DESIGN.md §2 by Nx project tags' },
    schema: [
      {
        type: 'object',
        properties: { root: { type: 'string' }, constraints: { type: 'object' } },
        additionalProperties: false,
      },
    ],
    messages: {
      notAllowed:
        '{{from}} ({{fromType}}) may not import {{to}} ({{toTags}}): allowed are {{allowed}}. Move the code or wire it in an app or the CLI (DESIGN.md §2).',
      app: '{{to}} is an app; nothing imports an app. Move the shared code into a package.',
      deep: 'Deep import "{{spec}}": import from the package entry point or a subpath it exports.',
      relative: 'Relative import "{{spec}}" leaves {{from}}: import the other package by its name.',
      untagged: '{{from}} has no "type:" tag in its package.json "nx.tags"; add one (see DESIGN.md §2).',
    },
  },
  create(context) {
    const file = context.filename ?? context.getFilename();
    const options = context.options[0] ?? {};
    const root = options.root ?? findRoot(file);
    if (!root) return {};
    const constraints = options.constraints ?? DEFAULT_CONSTRAINTS;
    const projects = projectsFor(root);
    const self = projects
      .filter((p) => file.startsWith(p.dir + sep))
      .sort((a, b) => b.dir.length - a.dir.length)[0];
    if (!self) return {};
    const isTest = DEV_FILE.test(file.split(sep).join('/'));

    function check(node, spec) {
      if (typeof spec !== 'string') return;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (!target.startsWith(self.dir + sep)) {
          context.report({ node, messageId: 'relative', data: { spec, from: self.name } });
        }
        return;
      }
      const target = projects.find((p) => spec === p.name || spec.startsWith(p.name + '/'));
      if (!target || target === self) return;
      if (/\/(src|dist)(\/|$)/.test(spec.slice(target.name.length))) {
        context.report({ node, messageId: 'deep', data: { spec } });
        return;
      }
      const fromType = typeOf(self.tags);
      if (!fromType) {
        context.report({ node, messageId: 'untagged', data: { from: self.name } });
        return;
      }
      if (target.tags.includes('type:app')) {
        context.report({ node, messageId: 'app', data: { to: target.name } });
        return;
      }
      const allowed = [...(constraints[fromType] ?? []), ...(isTest ? TEST_ONLY_TAGS : [])];
      if (allowed.includes('*') || target.tags.some((t) => allowed.includes(t))) return;
      context.report({
        node,
        messageId: 'notAllowed',
        data: {
          from: self.name,
          fromType,
          to: target.name,
          toTags: target.tags.join(', ') || 'no tags',
          allowed: allowed.join(', ') || 'nothing',
        },
      });
    }

    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
    };
  },
};

export const plugin = { meta: { name: 'ghr' }, rules: { 'module-boundaries': moduleBoundaries } };
