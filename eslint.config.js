// Lint rules for the whole repository. Formatting belongs to Prettier (eslint-config-prettier turns off
// the rules that would fight it); these rules catch mistakes and keep the house style.
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import vue from 'eslint-plugin-vue'
import { defineConfig, globalIgnores } from 'eslint/config'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const root = import.meta.dirname

export default defineConfig(
  // ESLint does not read .gitignore: its folders are repeated here, with the generated wasm kernels.
  globalIgnores([
    'out/',
    'dist/',
    'node_modules/',
    '.cache/',
    'test-output/',
    '.gl/',
    '.whl/',
    '.device-bundle/',
    '**/.venv/',
    'src-main/engine/backend/wasm/native/kernels-wasm.ts',
  ]),
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  vue.configs['flat/recommended'],
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
      parserOptions: { project: ['./tsconfig.json'], tsconfigRootDir: root, extraFileExtensions: ['.vue'] },
    },
  },
  {
    // The renderer, and the shared code it also compiles, are typed against the DOM (tsconfig.web.json).
    files: ['src-renderer/**/*.{ts,vue}', 'src-shared/**/*.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: {
        parser: tseslint.parser,
        project: ['./tsconfig.web.json'],
        tsconfigRootDir: root,
        extraFileExtensions: ['.vue'],
      },
    },
  },
  {
    // Callbacks passed to page.evaluate run in Chromium and are typed with DOM types, which the Node
    // tsconfig does not load: type-aware checks cannot see them there.
    files: ['tests/e2e/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  prettier,
)
