import type { UnpushedBranch, UnpushedReport } from "../../host/index.js";

/** Repositories and branches named at most, in a card that must still fit a phone's screen. */
const SHOWN_REPOS = 8;
const SHOWN_BRANCHES = 4;
const PATH_CHARS = 60;

/**
 * A directory name as the tenant wrote it may hold newlines (a fake line in the card) or
 * terminal escapes (at the CLI): every control and format character becomes "?", and a long
 * path is cut.
 */
const printable = (path: string) => {
  const clean = path.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, "?");
  return clean.length > PATH_CHARS ? `${clean.slice(0, PATH_CHARS - 1)}…` : clean;
};

const branchLine = (b: UnpushedBranch) => {
  switch (b.state) {
    case "ahead":
      return `${b.name} has ${b.commits} commit${b.commits === 1 ? "" : "s"} not on ${b.upstream}`;
    case "differs":
      return `${b.name} differs from ${b.upstream} (it may hold unpushed commits)`;
    case "never-pushed":
      return `${b.name} was never pushed`;
  }
};

/**
 * What a destroy's question says about work that exists only in the workspace, one line per
 * repository; nothing when the whole workspace was searched and there is none. The same words
 * at the CLI and in chat.
 */
export function unpushedLines(report: UnpushedReport | undefined): string[] {
  if (!report) return [];
  const lines = report.repos.slice(0, SHOWN_REPOS).map((repo) => {
    const where = repo.path === "" ? "/workspace" : printable(repo.path);
    const more = repo.branches.length - SHOWN_BRANCHES + (repo.unchecked ?? 0);
    const what = [
      ...(repo.noRemote ? ["no remote"] : []),
      ...repo.branches.slice(0, SHOWN_BRANCHES).map(branchLine),
      ...(more > 0 ? [`and ${more} more branches`] : []),
      ...(repo.detachedAt ? [`HEAD is at ${repo.detachedAt}, on no branch`] : []),
    ];
    return `• ${where}: ${what.join("; ")}`;
  });
  if (report.repos.length > SHOWN_REPOS)
    lines.push(`• and ${report.repos.length - SHOWN_REPOS} more repositories`);
  if (lines.length === 0)
    return report.complete
      ? []
      : [
          "⚠️ The workspace could not be searched to the end for unpushed git work: check it first.",
        ];
  return [
    "⚠️ Work that exists nowhere else:",
    ...lines,
    ...(report.complete ? [] : ["(the workspace was too large to search to the end)"]),
  ];
}
