// The Mini App in a real browser (Debian's chromium, driven by playwright-core; nothing is
// downloaded): the page opened with initData signed for alice shows her containers and a
// chart, and its terminal reaches a shell in a real container (booted by systemd-nspawn with
// voxnix's user namespace, entered by systemd-run --machine --pty) that echoes what is typed.
// Screenshots go to test-artifacts/web/ (git-ignored).
import { execa } from "execa";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerExec } from "../../src/host/container-exec.js";
import { createRunner, hostToolEnvironment, UID_RANGE } from "../../src/host/index.js";
import { locateOnPath } from "../../src/host/locate.js";
import { createWorkloads, type Actor } from "../../src/workloads/index.js";
import { CLOSE } from "../../src/web/terminal-session.js";
import { WebSocket } from "ws";
import { bootContainer, cannotBoot, type BootedContainer } from "../support/booted-container.js";
import { captureLog } from "../support/capture-log.js";
import { initDataFor, hashOf } from "../support/init-data.js";
import { TEST_SECRETS } from "../support/secrets.js";
import { tempDir } from "../support/temp-dir.js";
import { admin, alice, bob, testWorkloads } from "../support/test-workloads.js";
import { startTestWebApp, webClientDir, type TestWebApp } from "../support/web-app.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
  (path) => locateOnPath(path.split("/").pop() as string, "/usr/bin") !== undefined,
);
const SKIP = CHROMIUM === undefined ? "needs chromium (apt-get install chromium)" : cannotBoot();
const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/web/", import.meta.url));
const PROMPT = "vx-prompt# ";
/** The stand-in container's OS is this machine's /usr. */
const DEBIAN_TERMINAL = {
  script: "/usr/bin/script",
  shell: "exec /usr/bin/bash --noprofile --rcfile /etc/voxnix-test-rc -i",
  systemctl: "/usr/bin/systemctl",
};
// The range tests/host/container-exec.test.ts gives its container too (each its own root).
const BASE = 0x7000_0000;
const NAME = "vw";

/** Text the page shows, waited for exactly (no sleeps): the terminal's rows included. */
const waitForText = (page: Page, text: string, timeoutMs = 15_000) =>
  page.getByText(text).first().waitFor({ timeout: timeoutMs });

describe.skipIf(SKIP !== undefined)(
  `the Mini App in chromium (${SKIP ?? "chromium, and a container booted as root"})`,
  () => {
    let container: BootedContainer;
    let browser: Browser;

    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      const [, booted, launched] = await Promise.all([
        // Built while the container boots, not in the first test.
        webClientDir().then(() => undefined),
        bootContainer(
          NAME,
          [`--private-users=${BASE}:${UID_RANGE}`, "--private-users-ownership=chown"],
          (root) => {
            writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
            writeFileSync(join(root, "etc/group"), "root:x:0:\n");
            writeFileSync(join(root, "etc/voxnix-test-rc"), `PS1='${PROMPT}'\n`);
          },
        ),
        chromium.launch({
          executablePath: CHROMIUM as string,
          // As root, chromium's own sandbox cannot start; the page is the test's own.
          args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        }),
      ]);
      container = booted;
      browser = launched;
      // Ready once its systemd answers on its bus.
      const probe = createRunner({ log: captureLog().log, env: { PATH: container.path } });
      for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
        const answered = await probe
          .run(["systemd-run", `--machine=${NAME}`, "--wait", "--quiet", "--", "/usr/bin/true"])
          .then(
            () => true,
            () => false,
          );
        if (answered) break;
        await execa("sleep", ["0.1"]);
      }
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      await container?.stop();
    }, 30_000);

    /** alice owns NAME (the booted container) and bob "bobs"; the terminal enters the real one. */
    async function setUp(): Promise<{ app: TestWebApp; page: Page; keep: () => void }> {
      const t = await testWorkloads();
      await t.workloads.create(alice, { name: NAME, modules: [] });
      await t.workloads.create(bob, { name: "bobs", modules: [] });
      t.store.usageHistory.record({
        container: NAME,
        ownerId: alice.userId,
        cpuNs: 7e9,
        memoryBytes: 2 ** 28,
        workspaceBytes: 0,
      });
      const runner = createRunner({
        log: t.logs.log,
        env: { ...hostToolEnvironment(process.env), PATH: container.path },
      });
      const inside = containerExec(runner, { terminal: DEBIAN_TERMINAL });
      const workloads = createWorkloads({ ...t.deps, host: { ...t.deps.host, inside } });
      const app = await startTestWebApp(workloads);
      const context = await browser.newContext({ viewport: { width: 420, height: 760 } });
      const page = await context.newPage();
      const dir = tempDir("voxnix-web-");
      const responses: string[] = [];
      page.on("response", (response) => {
        if (response.url().includes("/api/"))
          void response.text().then(
            (text) => responses.push(text),
            () => {},
          );
      });
      return {
        app,
        page,
        keep: () => {
          app.keepFor(dir, responses);
          void context.close();
          void app.close();
        },
      };
    }

    /** A terminal socket to NAME, open once the shell is there; `closed` says how it ended. */
    async function openTerminalSocket(address: string, initData: string, asAdmin = false) {
      const socket = new WebSocket(`${address.replace("http", "ws")}/api/terminal`, {
        origin: address,
      });
      let reason = "";
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        socket.on("close", (code) => resolve({ code, reason })),
      );
      await new Promise<void>((resolve, reject) => {
        socket.on("open", () =>
          socket.send(
            JSON.stringify({ type: "open", initData, name: NAME, cols: 80, rows: 24, asAdmin }),
          ),
        );
        socket.on("message", (raw) => {
          const message = JSON.parse(String(raw)) as { type: string; reason?: string };
          if (message.type === "ready") resolve();
          if (message.type === "closed") {
            reason = message.reason ?? "";
            reject(new Error(`refused: ${reason}`));
          }
        });
      });
      return { closed };
    }

    const pageFor = (app: TestWebApp, userId: number, query = "") =>
      `${app.address}/${query}#tgWebAppData=${encodeURIComponent(initDataFor(userId))}&tgWebAppVersion=8.0`;

    it("shows the user's containers and a chart, and a shell in one that echoes what is typed", async () => {
      const { app, page, keep } = await setUp();
      await page.goto(pageFor(app, alice.userId));
      await page.waitForSelector(`li.container[data-name="${NAME}"] .state.running`);
      await page.waitForSelector("figure.chart canvas");
      expect(await page.locator("li.container").count()).toBe(1);
      expect(await page.locator('li.container[data-name="bobs"]').count()).toBe(0);
      await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });

      await page.click(`li.container[data-name="${NAME}"] button:has-text("Terminal")`);
      await waitForText(page, `Connected to ${NAME}`);
      await waitForText(page, PROMPT.trim());
      await page.keyboard.type("echo typed-$((6*7))\n");
      await waitForText(page, "typed-42");
      await page.keyboard.type("cat /proc/self/uid_map\n");
      // Root inside is the container's user range outside: its user namespace, not the host's root.
      await waitForText(page, String(BASE));
      await page.screenshot({ path: join(ARTIFACTS, "terminal.png") });
      expect(app.lines().join("\n")).not.toContain(TEST_SECRETS.botToken);
      keep();
    });

    it("passes a resize into the container's terminal", async () => {
      const runner = createRunner({ log: captureLog().log, env: { PATH: container.path } });
      const terminal = await containerExec(runner, { terminal: DEBIAN_TERMINAL }).terminal(NAME, {
        cols: 80,
        rows: 24,
      });
      let output = "";
      const seen = (text: string) =>
        new Promise<void>((resolve) => {
          const check = () => output.includes(text) && resolve();
          terminal.onData((data) => {
            output += data;
            check();
          });
          check();
        });
      try {
        await seen(PROMPT);
        terminal.write("stty size\r");
        await seen("24 80");
        terminal.resize(132, 41);
        // The shell prints its size again once it has it: no guess at how long that takes.
        terminal.write(
          "while [ \"$(stty size)\" != '41 132' ]; do sleep 0.05; done; echo resized-$((1+1))\r",
        );
        await seen("resized-2");
      } finally {
        terminal.kill();
      }
    });

    it("ends a session when access is revoked, when the container stops, and when idle", async () => {
      const t = await testWorkloads();
      const carol: Actor = { userId: 7777, role: "user", via: "telegram" };
      t.workloads.grant(admin, { id: carol.userId });
      await t.workloads.create(carol, { name: NAME, modules: [] });
      const runner = createRunner({ log: t.logs.log, env: { PATH: container.path } });
      const inside = containerExec(runner, { terminal: DEBIAN_TERMINAL });
      const workloads = createWorkloads({ ...t.deps, host: { ...t.deps.host, inside } });
      const app = await startTestWebApp(workloads, { terminalLimits: { checkEveryMs: 50 } });
      const idleApp = await startTestWebApp(workloads, {
        terminalLimits: { idleMs: 300, checkEveryMs: 50 },
      });
      try {
        const revoked = await openTerminalSocket(app.address, initDataFor(carol.userId));
        t.workloads.revoke(admin, carol.userId);
        expect(await revoked.closed).toEqual({
          code: CLOSE.ended,
          reason: "The container stopped, or your access to it ended.",
        });

        t.workloads.grant(admin, { id: carol.userId });
        const idle = await openTerminalSocket(idleApp.address, initDataFor(carol.userId));
        expect(await idle.closed).toEqual({
          code: CLOSE.idle,
          reason: "Closed after a while without typing.",
        });

        // An admin's explicit step into carol's container, audited with its owner.
        const asAdmin = await openTerminalSocket(app.address, initDataFor(admin.userId), true);
        const stopped = await openTerminalSocket(app.address, initDataFor(carol.userId));
        await t.workloads.stop(carol, { name: NAME });
        expect((await stopped.closed).code).toBe(CLOSE.ended);
        expect((await asAdmin.closed).code).toBe(CLOSE.ended);
        const opened = t.store.audit
          .recent({ target: NAME })
          .filter((e) => e.action === "terminal" && e.outcome === "ok")
          .map((e) => [e.actor, e.detail]);
        expect(opened).toHaveLength(4);
        expect(opened).toContainEqual(["tg:1", { asAdmin: true, owner: carol.userId }]);
      } finally {
        await app.close();
        await idleApp.close();
      }
    });

    it("refuses another user's container in the page", async () => {
      const { app, page, keep } = await setUp();
      await page.goto(pageFor(app, alice.userId, "?terminal=bobs"));
      await waitForText(page, 'You have no container named "bobs"');
      await page.goto(
        `${app.address}/#tgWebAppData=${encodeURIComponent(
          initDataFor(alice.userId, { token: TEST_SECRETS.otherBotToken }),
        )}`,
      );
      await waitForText(page, "open it again from the chat");
      expect(app.lines().join("\n")).not.toContain(hashOf(initDataFor(alice.userId)));
      keep();
    });
  },
);
