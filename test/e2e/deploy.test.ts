import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
// js-yaml: a test dependency (mocha uses it too).
import { load as loadYaml } from 'js-yaml';
import { describeOptions, loadConfig } from '../../lib/config.js';
import { TestClient } from '../helpers/client.js';
import { execForm, parseDockerfile, type DockerInstruction } from '../helpers/dockerfile.js';
import { PROJECT_ROOT, runServer, type ServerProcess } from '../helpers/process.js';
import { freePort, REDIS_AVAILABLE, RedisServer, waitForPort } from '../helpers/redis.js';
import { startServer } from '../helpers/server.js';
import { findExecutable, requireService } from '../helpers/services.js';
import { trigger } from '../helpers/trigger.js';

const read = (file: string): string => readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
const DEFAULT_PORT = describeOptions().find((option) => option.key === 'port')!.default as number;
const OPTION_VARIABLES = new Set(describeOptions().map((option) => option.env));

/** `KEY=value KEY2=value2` of an ENV instruction. */
function envPairs(args: string): Record<string, string> {
  return Object.fromEntries(args.split(/\s+/).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

// No Docker engine here (and no image pulls): the files are checked by reading them as Docker,
// Compose and nginx would, and what can run without an engine runs for real (the health check
// command, the compose environment, nginx in front of two nodes on Redis).
describe('e2e: Docker and deployment files', function () {
  this.timeout(60_000);

  describe('Dockerfile', () => {
    let steps: DockerInstruction[];
    let final: DockerInstruction[];
    before(() => {
      steps = parseDockerfile(read('Dockerfile'));
      const last = Math.max(...steps.map((step) => step.stage));
      final = steps.filter((step) => step.stage === last);
    });
    const one = (instruction: string): DockerInstruction => {
      const found = final.filter((step) => step.instruction === instruction);
      expect(found, instruction).to.have.length(1);
      return found[0]!;
    };

    it('is instructions only, in stages from node:20-slim, each COPY --from naming an earlier stage', () => {
      const froms = steps.filter((step) => step.instruction === 'FROM');
      expect(steps[0]!.instruction).to.equal('FROM');
      expect(froms.length, 'multi-stage').to.be.at.least(2);
      const names: string[] = [];
      for (const from of froms) {
        const [image, as, name] = from.args.split(/\s+/);
        expect(image, `line ${from.line}`).to.equal('node:20-slim');
        expect(as?.toUpperCase()).to.equal('AS');
        expect(names).not.to.include(name);
        names.push(name!);
      }
      for (const copy of steps.filter((step) => step.flags.from !== undefined)) {
        expect(names.slice(0, copy.stage), `line ${copy.line}`).to.include(copy.flags.from);
      }
    });

    it('runs as a user that is not root, set before the entry point', () => {
      const user = final.filter((step) => step.instruction === 'USER').at(-1);
      expect(user, 'USER in the final stage').to.not.equal(undefined);
      expect(user!.args).not.to.match(/^(root|0)(:|$)/);
      expect(user!.line).to.be.below(one('ENTRYPOINT').line);
      expect(final.filter((step) => step.instruction === 'RUN' && step.line > user!.line), 'no RUN after USER').to.deep.equal([]);
    });

    it('exposes the default port, and its ENV makes a valid configuration', () => {
      expect(one('EXPOSE').args.split(/\s+/)).to.deep.equal([String(DEFAULT_PORT)]);
      const env = Object.assign({}, ...final.filter((step) => step.instruction === 'ENV').map((step) => envPairs(step.args))) as Record<string, string>;
      const pushy = Object.keys(env).filter((key) => key.startsWith('PUSHY_'));
      for (const key of pushy) expect(OPTION_VARIABLES, key).to.include(key);
      expect(loadConfig({ env }).port).to.equal(DEFAULT_PORT);
      expect(loadConfig({ env }).host).to.equal('0.0.0.0');
    });

    it('starts the built server as entry point (so "docker run image check-config" works) and builds it with the package scripts', () => {
      expect(execForm(one('ENTRYPOINT').args)).to.deep.equal(['node', 'dist/pushy-server.js']);
      expect(existsSync(path.join(PROJECT_ROOT, 'dist/pushy-server.js'))).to.equal(true);
      const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
      for (const run of steps.filter((step) => step.instruction === 'RUN')) {
        for (const script of run.args.matchAll(/npm run (\S+)/g)) expect(scripts, `line ${run.line}`).to.have.property(script[1]!);
      }
    });

    it('copies only files that exist and that .dockerignore lets into the build context', () => {
      const ignored = read('.dockerignore').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#')).map((line) => line.replace(/^\//, ''));
      for (const copy of steps.filter((step) => step.instruction === 'COPY' && step.flags.from === undefined)) {
        const sources = copy.args.split(/\s+/).slice(0, -1);
        for (const source of sources) {
          expect(existsSync(path.join(PROJECT_ROOT, source)), `line ${copy.line}: ${source}`).to.equal(true);
          expect(ignored, `line ${copy.line}: ${source} is ignored`).not.to.include(source.split('/')[0]);
        }
      }
      // Never in an image: secrets, this machine's modules and build, the history.
      expect(ignored).to.include.members(['.env', 'node_modules', 'dist', '.git']);
    });

    it('builds and runs from exactly what it copies (its steps replayed without an engine)', async function () {
      this.timeout(120_000);
      const root = mkdtempSync(path.join(tmpdir(), 'pushy-image-'));
      try {
        const stageDirs: Record<string, string> = {};
        let dir = '';
        let workdir = '/';
        const inStage = (target: string): string => path.join(dir, path.posix.resolve(workdir, target));
        for (const step of steps) {
          if (step.instruction === 'FROM') {
            const name = step.args.split(/\s+/)[2]!;
            dir = stageDirs[name] = path.join(root, name);
            workdir = '/';
          } else if (step.instruction === 'WORKDIR') {
            workdir = step.args;
            mkdirSync(inStage('.'), { recursive: true });
          } else if (step.instruction === 'COPY') {
            const parts = step.args.split(/\s+/);
            const target = parts.pop()!;
            for (const source of parts) {
              // From the context (the project) or from an earlier stage's file system.
              const from = step.flags.from ? path.join(stageDirs[step.flags.from]!, source) : path.join(PROJECT_ROOT, source);
              const into = target.endsWith('/') ? path.join(inStage(target), path.basename(source)) : inStage(target);
              cpSync(from, into, { recursive: true });
            }
          } else if (step.instruction === 'RUN') {
            for (const command of step.args.split('&&').map((part) => part.trim())) {
              if (/^npm ci\b/.test(command)) {
                // No registry here: the project's installed modules stand in for npm ci.
                symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), inStage('node_modules'));
              } else if (/^npm run \S+$/.test(command)) {
                await promisify(execFile)('npm', command.split(' ').slice(1), { cwd: inStage('.') });
              } else if (!/^npm (rebuild|cache clean)\b/.test(command)) {
                throw new Error(`line ${step.line}: this test does not know how to replay "${command}"; teach it`);
              }
            }
          }
        }
        // The image: its ENV, its entry point, on a free port; then its health check.
        const env = Object.assign({}, ...final.filter((step) => step.instruction === 'ENV').map((step) => envPairs(step.args))) as Record<string, string>;
        const entry = execForm(one('ENTRYPOINT').args);
        const port = await freePort();
        const image = spawn(entry[0]!, entry.slice(1), { cwd: inStage('.'), env: { PATH: process.env.PATH ?? '', ...env, PUSHY_HOST: '127.0.0.1', PUSHY_PORT: String(port), PUSHY_SECRET_KEY: 's' }, stdio: ['ignore', 'pipe', 'pipe'] });
        try {
          let output = '';
          image.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
          image.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
          await waitForPort(port, image, () => output, 20_000, 'the image');
          expect((await fetch(`http://127.0.0.1:${port}/pushy/client.js`)).status, 'the browser bundle').to.equal(200);
          expect((await fetch(`http://127.0.0.1:${port}/pushy/sockjs.min.js`)).status, 'sockjs-client').to.equal(200);
          const check = execForm(one('HEALTHCHECK').args.slice(4));
          const healthy = spawn(check[0]!, check.slice(1), { env: { PATH: process.env.PATH ?? '', PUSHY_PORT: String(port) }, stdio: 'ignore' });
          expect(await new Promise((resolve) => healthy.once('exit', resolve))).to.equal(0);
        } finally {
          image.kill('SIGKILL');
        }
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });

    describe('HEALTHCHECK', () => {
      let command: string[];
      before(() => {
        const check = one('HEALTHCHECK');
        expect(check.flags).to.include.keys('interval', 'timeout');
        expect(check.args.startsWith('CMD ')).to.equal(true);
        command = execForm(check.args.slice(4));
        expect(command.join(' ')).to.contain('/pushy/ready');
      });
      /** Runs the check as Docker would, in an environment with the image's PUSHY_PORT; its exit code. */
      const run = async (port: number): Promise<number | null> => {
        const child = spawn(command[0]!, command.slice(1), { env: { PATH: process.env.PATH ?? '', PUSHY_PORT: String(port) }, stdio: 'ignore' });
        return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
      };

      it('passes against a ready server, fails when nothing listens and while it drains (503)', async () => {
        // The command is `node -e <script>`: run exactly that script.
        expect(command.slice(0, 2)).to.deep.equal(['node', '-e']);
        const srv = await startServer({ health: { drainDelay: 3000 } });
        const port = Number(new URL(srv.url).port);
        expect(await run(port)).to.equal(0);
        const closing = srv.close();
        expect(await run(port), 'while draining').to.equal(1);
        await closing;
        expect(await run(port), 'nothing listening').to.equal(1);
      });
    });
  });

  describe('docker-compose.yml', () => {
    type Service = { image?: string; build?: string; environment?: Record<string, string>; depends_on?: Record<string, unknown>; ports?: string[]; volumes?: string[] };
    let services: Record<string, Service>;
    before(() => {
      services = (loadYaml(read('docker-compose.yml')) as { services: Record<string, Service> }).services;
    });

    it('has Redis, two Pushy nodes built from the Dockerfile, and nginx', () => {
      expect(Object.keys(services)).to.have.members(['redis', 'pushy1', 'pushy2', 'nginx']);
      expect(services.redis!.image).to.match(/^redis:/);
      expect(services.nginx!.image).to.match(/^nginx:/);
      for (const name of ['pushy1', 'pushy2']) expect(services[name]!.build, name).to.equal('.');
    });

    it('configures the nodes with PUSHY_* variables that make a valid Redis configuration, and the secret only from outside', () => {
      for (const name of ['pushy1', 'pushy2']) {
        const env = services[name]!.environment!;
        for (const key of Object.keys(env)) expect(OPTION_VARIABLES, `${name}: ${key}`).to.include(key);
        expect(env.PUSHY_SECRET_KEY, 'required from the shell, never written here').to.match(/^\$\{PUSHY_SECRET_KEY:\?[^}]+\}$/);
        const config = loadConfig({ env: { ...env, PUSHY_SECRET_KEY: 'x' } });
        expect(config.adapter.type).to.equal('redis');
        expect(new URL(config.adapter.url).hostname).to.equal('redis');
        expect(services[name]!.depends_on).to.have.property('redis');
      }
    });

    it('mounts deploy/nginx.conf into nginx, whose upstreams are the two nodes on the default port', () => {
      const nginx = services.nginx!;
      expect(nginx.volumes).to.include('./deploy/nginx.conf:/etc/nginx/nginx.conf:ro');
      expect(nginx.ports).to.deep.equal(['8080:80']);
      const conf = read('deploy/nginx.conf');
      expect([...conf.matchAll(/^\s*server\s+([^\s;]+);/gm)].map((match) => match[1])).to.deep.equal([`pushy1:${DEFAULT_PORT}`, `pushy2:${DEFAULT_PORT}`]);
      expect(conf).to.match(/^\s*listen 80;/m);
      expect(Object.keys(nginx.depends_on ?? {})).to.have.members(['pushy1', 'pushy2']);
    });
  });

  describe('deploy/nginx.conf in front of two nodes on Redis', () => {
    const nginxPath = findExecutable('nginx');
    let redis: RedisServer | undefined;
    const nodes: ServerProcess[] = [];
    let nginx: ChildProcess | undefined;
    let nginxOutput = (): string => '';
    let dir = '';
    let url = '';
    const secret = 'compose-secret';

    before(async function () {
      requireService(this, 'nginx', nginxPath !== undefined);
      requireService(this, 'redis-server', REDIS_AVAILABLE);
      redis = await RedisServer.create();
      // Each node with the environment docker-compose.yml gives it (Redis and secret from here).
      const composed = (loadYaml(read('docker-compose.yml')) as { services: Record<string, { environment: Record<string, string> }> }).services;
      for (const name of ['pushy1', 'pushy2']) {
        nodes.push(runServer([], { ...composed[name]!.environment, PUSHY_REDIS_URL: redis.url, PUSHY_SECRET_KEY: secret }));
      }
      const ports = await Promise.all(nodes.map(async (node) => new URL(await node.ready).port));
      const listen = await freePort();
      let conf = read('deploy/nginx.conf');
      for (const [from, to] of [
        [`server pushy1:${DEFAULT_PORT};`, `server 127.0.0.1:${ports[0]};`],
        [`server pushy2:${DEFAULT_PORT};`, `server 127.0.0.1:${ports[1]};`],
        ['listen 80;', `listen 127.0.0.1:${listen};`],
      ] as const) {
        expect(conf.split(from).length, from).to.equal(2);
        conf = conf.replace(from, to);
      }
      dir = mkdtempSync(path.join(tmpdir(), 'pushy-nginx-'));
      writeFileSync(path.join(dir, 'nginx.conf'), conf);
      const args = ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', 'stderr'];
      // Its output to a file, as in a container: nginx opens /dev/stdout, which a socket (what
      // Node gives a child for 'pipe') cannot be.
      const logFile = path.join(dir, 'output.log');
      const output = openSync(logFile, 'a');
      nginxOutput = () => readFileSync(logFile, 'utf8');
      const nginxRun = (extra: string[]): ChildProcess => spawn(nginxPath!, [...args, ...extra], { stdio: ['ignore', output, output] });
      const test = nginxRun(['-t', '-g', `pid ${dir}/nginx.pid;`]);
      const tested = await new Promise((resolve) => test.once('exit', resolve));
      expect(tested, `nginx -t: ${nginxOutput()}`).to.equal(0);
      nginx = nginxRun(['-g', `daemon off; pid ${dir}/nginx.pid;`]);
      closeSync(output);
      await waitForPort(listen, nginx, nginxOutput, 10_000, 'nginx');
      url = `http://127.0.0.1:${listen}`;
    });

    after(async () => {
      if (nginx && nginx.exitCode === null) {
        // SIGTERM to the master: it ends its workers too (SIGKILL would orphan them).
        const exited = new Promise((resolve) => nginx!.once('exit', resolve));
        nginx.kill('SIGTERM');
        await exited;
      }
      for (const node of nodes) node.kill('SIGKILL');
      await Promise.all(nodes.map((node) => node.exited));
      await redis?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('passes nginx -t, carries WebSocket and sticky SockJS polling sessions, and a trigger reaches clients on both nodes', async () => {
      // With requests spread over two nodes, a polling session works only when sticky: its
      // requests would otherwise reach a node that does not know the session.
      const clients = await Promise.all([
        TestClient.connect(url, 'websocket'),
        ...Array.from({ length: 6 }, () => TestClient.connect(url, 'xhr-polling')),
        TestClient.connect(url, 'xhr-streaming'),
      ]);
      for (const client of clients) expect((await client.subscribe('compose')).event).to.equal('pushy:subscription-success');
      const answer = await trigger(url, 'compose', 'hello', { via: 'nginx' }, { secret });
      expect(answer.status).to.equal(201);
      for (const client of clients) expect((await client.next('hello')).data).to.deep.equal({ via: 'nginx' });
      await Promise.all(clients.map((client) => client.close()));
    });

    it('keeps the unauthenticated metrics off the proxy', async () => {
      expect((await fetch(`${url}/metrics`)).status).to.equal(404);
      expect((await fetch(`${await nodes[0]!.ready}/metrics`)).status).to.equal(200);
    });
  });
});
