// @ts-check
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", ".test-dist/", ".lab/", "node_modules/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      // Layers (design.md): nothing below imports anything above.
      "no-restricted-imports": "off",
    },
  },
  {
    // The fakes keep host state as plain JSON maps (datasets by name), where delete is the point.
    files: ["tests/fakes/**"],
    rules: { "@typescript-eslint/no-dynamic-delete": "off" },
  },
  {
    files: ["src/host/**", "src/store/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/workloads/**", "**/agent/**", "**/bot/**", "**/cli/**"],
              message:
                "host/ and store/ sit below workloads/, agent/, bot/ and cli/ (design.md, Layout).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/agent/**", "src/bot/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/store/**", "**/host/**", "**/cli/**"],
              message: "bot/ and agent/ go through workloads/ (design.md, Layout).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/workloads/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/agent/**", "**/bot/**", "**/cli/**"],
              message: "workloads/ sits below agent/, bot/ and cli/ (design.md, Layout).",
            },
          ],
        },
      ],
    },
  },
);
