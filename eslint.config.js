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
  ...workloadsFloors(),
);

/**
 * workloads/ and its floors (AGENTS.md, Layers): index.ts on top, then maintenance/, policy/,
 * operations/ and primitives/; each imports only the floors below it, and operations never
 * import each other (what two share is a primitive). A later block's no-restricted-imports
 * replaces an earlier one's, so each floor repeats workloads/'s own rule.
 */
function workloadsFloors() {
  const above = {
    group: ["**/agent/**", "**/bot/**", "**/cli/**"],
    message: "workloads/ sits below agent/, bot/ and cli/ (design.md, Layout).",
  };
  /** @param {string[]} files @param {{ group: string[]; message: string }[]} patterns */
  const restrict = (files, patterns) => ({
    files,
    rules: {
      "no-restricted-imports": /** @type {import("eslint").Linter.RuleEntry} */ ([
        "error",
        { patterns },
      ]),
    },
  });
  return [
    restrict(["src/workloads/**"], [above]),
    restrict(
      ["src/workloads/maintenance/**"],
      [
        above,
        {
          group: ["../*.js"],
          message: "maintenance/ is used by index.ts, not the other way round.",
        },
      ],
    ),
    restrict(
      ["src/workloads/policy/**"],
      [
        above,
        {
          group: ["../*.js", "../maintenance/*"],
          message: "policy/ sits below maintenance/ and index.ts.",
        },
      ],
    ),
    restrict(
      ["src/workloads/operations/**"],
      [
        above,
        {
          group: ["../*.js", "../maintenance/*", "../policy/*", "./*"],
          message: "an operation uses primitives/, never another operation, policy or maintenance.",
        },
      ],
    ),
    restrict(
      ["src/workloads/primitives/**"],
      [
        above,
        {
          group: ["../*.js", "../maintenance/*", "../policy/*", "../operations/*"],
          message: "primitives/ is the floor: it imports no operation, policy or maintenance.",
        },
      ],
    ),
  ];
}
