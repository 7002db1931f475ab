// @ts-check
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", ".test-dist/", ".lab/", "node_modules/", "coverage/", "test-artifacts/"] },
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
              group: [
                "**/workloads/**",
                "**/agent/**",
                "**/bot/**",
                "**/cli/**",
                "**/web/**",
                "**/egress/**",
              ],
              message:
                "host/ and store/ sit below workloads/, agent/, bot/ and cli/ (design.md, Layout).",
            },
          ],
        },
      ],
    },
  },
  {
    // The egress proxy is a transport, as the bot is: it asks workloads/, never the store or host.
    files: ["src/egress/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/store/**", "**/host/**", "**/cli/**", "**/bot/**", "**/agent/**"],
              message: "egress/ is a transport: it goes through workloads/ (docs/architecture.md).",
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
    files: ["src/web/**"],
    ignores: ["src/web/client/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/store/**", "**/host/**", "**/cli/**", "**/bot/**", "**/agent/**"],
              message: "web/ is a transport: it goes through workloads/ (design.md, Layout).",
            },
          ],
        },
      ],
    },
  },
  {
    // The Mini App's page runs in a browser and reaches the daemon only through its API; of
    // the daemon's code it shares only the pure leaf that writes sizes as every transport does.
    files: ["src/web/client/**"],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^\\.\\./(?!\\.\\./size\\.js$)",
              message: "the page imports nothing of the daemon but src/size.ts.",
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
    group: ["**/agent/**", "**/bot/**", "**/cli/**", "**/web/**", "**/egress/**"],
    message: "workloads/ sits below agent/, bot/, cli/, web/ and egress/ (design.md, Layout).",
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
