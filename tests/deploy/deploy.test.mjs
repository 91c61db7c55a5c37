// deploy/ checked without a Docker engine or a cluster: compose.yaml's
// references (services, volumes, depends_on, health checks, the nginx
// upstreams), the Kubernetes manifests against the Kubernetes schemas
// (kubernetes-models) and against each other (selectors, Services, probes,
// the HPA's target, config references), the systemd units with
// systemd-analyze; and everywhere, that each command line and LABELFLOW_*
// variable is one the binary accepts: the binary is asked, with the same
// arguments and environment plus --help, and must answer 0 (it checks
// flags and every variable's value before acting on --help).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const deploy = join(root, 'deploy');
const BIN = process.env.LABELFLOW_BIN || join(root, 'build', 'labelflow');

// What the binary says it accepts: subcommands with the flags of their
// synopsis, and the environment variables of its configuration table.
const help = spawnSync(BIN, ['--help'], { encoding: 'utf8' });
const commands = new Map();
for (const m of help.stdout.matchAll(/^ {2}labelflow (\S+)\s*(.*)$/gm))
  commands.set(m[1], new Set([...m[2].matchAll(/--[a-z][a-z-]*/g)].map((f) => f[0])));
const variables = new Set([...help.stdout.matchAll(/^ {2}([A-Z][A-Z0-9_]+)(?:, --[a-z-]+)?\s*$/gm)].map((m) => m[1]));

// Asks the binary whether argv and env are a valid invocation: flags are
// parsed and every variable's value checked before --help answers.
function accepts(argv, env, where) {
  const [cmd, ...rest] = argv;
  assert.ok(commands.has(cmd), `${where}: '${cmd}' is not a labelflow subcommand (${[...commands.keys()]})`);
  for (const a of rest) {
    if (!a.startsWith('--')) continue;
    const flag = a.split('=')[0];
    assert.ok(commands.get(cmd).has(flag), `${where}: labelflow ${cmd} takes no ${flag}`);
  }
  for (const name of Object.keys(env))
    if (/^(LABELFLOW|AWS|GCS|AZURE)_/.test(name))
      assert.ok(variables.has(name), `${where}: ${name} is not a variable labelflow reads`);
  const r = spawnSync(BIN, [...argv, '--help'], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  assert.equal(r.status, 0, `${where}: labelflow ${argv.join(' ')} refused: ${r.stderr}`);
}

test('the binary lists its subcommands and variables', () => {
  assert.equal(help.status, 0, help.stderr);
  for (const c of ['serve', 'worker', 'migrate', 'backup']) assert.ok(commands.has(c), c);
  assert.ok(commands.get('serve').has('--listen'));
  assert.ok(variables.has('LABELFLOW_DB') && variables.has('LABELFLOW_STORAGE'));
  // The check itself refuses what it should.
  assert.throws(() => accepts(['serve', '--lsten', 'x'], {}, 'self-test'));
  assert.throws(() => accepts(['serve'], { LABELFLOW_THREADS: 'many' }, 'self-test'));
  assert.throws(() => accepts(['serve'], { LABELFLOW_THREDS: '4' }, 'self-test'));
});

// Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} with nothing set:
// the default, or a stand-in for a required value.
const interpolate = (v) => String(v).replace(/\$\{([A-Z0-9_]+)(?::?-([^}]*)|:?\?[^}]*)?\}/g,
  (_, name, def) => (def !== undefined ? def : `set-${name.toLowerCase()}`)).replace(/\$\$/g, '$');
const envOf = (e) => Object.fromEntries(Array.isArray(e)
  ? e.map((kv) => [kv.split('=')[0], kv.split('=').slice(1).join('=')])
  : Object.entries(e || {}).map(([k, v]) => [k, v === null ? '' : interpolate(v)]));

test('compose.yaml: references, health checks, and what labelflow is told', () => {
  const compose = parse(readFileSync(join(deploy, 'compose.yaml'), 'utf8'), { merge: true });
  const services = compose.services;
  const names = new Set(Object.keys(services));
  const volumes = new Set(Object.keys(compose.volumes || {}));
  const labelflow = [];
  for (const [name, s] of Object.entries(services)) {
    assert.ok(s.image || s.build, `${name}: no image`);
    for (const [dep, cond] of Object.entries(Array.isArray(s.depends_on)
      ? Object.fromEntries(s.depends_on.map((d) => [d, { condition: 'service_started' }])) : s.depends_on || {})) {
      assert.ok(names.has(dep), `${name} depends on unknown service ${dep}`);
      assert.ok(['service_started', 'service_healthy', 'service_completed_successfully'].includes(cond.condition),
        `${name} -> ${dep}: condition ${cond.condition}`);
      if (cond.condition === 'service_healthy')
        assert.ok(services[dep].healthcheck?.test && !services[dep].healthcheck.disable, `${name} waits for ${dep} to be healthy, which has no health check`);
      if (cond.condition === 'service_completed_successfully')
        assert.equal(services[dep].restart, 'no', `${dep} must run once for ${name} to wait for its completion`);
    }
    for (const v of s.volumes || []) {
      const src = String(typeof v === 'string' ? v.split(':')[0] : v.source);
      if (src.startsWith('.') || src.startsWith('/'))
        assert.ok(existsSync(resolve(deploy, src)), `${name}: bind mount ${src} does not exist`);
      else assert.ok(volumes.has(src), `${name}: volume ${src} is not declared`);
    }
    if (s.restart !== 'no')
      assert.ok(s.healthcheck && (s.healthcheck.disable || s.healthcheck.test), `${name}: a long-running service without a health check (or an explicit disable)`);
    if (s.healthcheck?.test) assert.ok(Array.isArray(s.healthcheck.test) && s.healthcheck.test[0] === 'CMD', `${name}: health check as an exec form`);
    if (String(s.image).includes('labelflow')) {
      labelflow.push(name);
      accepts(s.command, envOf(s.environment), `compose ${name}`);
    }
  }
  const byCommand = (c) => labelflow.filter((n) => services[n].command[0] === c);
  assert.equal(byCommand('serve').length, 2, 'two servers');
  assert.equal(byCommand('worker').length, 1, 'one worker');
  assert.equal(byCommand('migrate').length, 1, 'one migration run');
  // The servers share one database and one secret, or a token signed by
  // one is refused by the other.
  const envs = byCommand('serve').map((n) => envOf(services[n].environment));
  assert.ok(envs[0].LABELFLOW_DB.startsWith('postgres://'), 'servers on PostgreSQL');
  assert.ok(envs[0].LABELFLOW_STORAGE.startsWith('s3://'), 'blobs in the S3 store');
  for (const k of ['LABELFLOW_DB', 'LABELFLOW_STORAGE', 'LABELFLOW_JWT_SECRET'])
    assert.equal(envs[0][k], envs[1][k], k);
  const dbHost = new URL(envs[0].LABELFLOW_DB).hostname;
  assert.ok(names.has(dbHost), `LABELFLOW_DB names ${dbHost}, not a service`);
  assert.ok(names.has(new URL(envs[0].LABELFLOW_S3_ENDPOINT).hostname), 'LABELFLOW_S3_ENDPOINT names a service');
  // nginx balances over exactly the servers, on the port they listen on.
  const nginx = readFileSync(join(deploy, 'nginx.conf'), 'utf8');
  const upstreams = [...nginx.matchAll(/^\s*server\s+([a-z0-9-]+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`).sort();
  const listening = byCommand('serve').map((n) => `${n}:${services[n].command[services[n].command.indexOf('--listen') + 1].split(':').pop()}`).sort();
  assert.deepEqual(upstreams, listening);
});

const k8sDir = join(deploy, 'k8s');
const kustomization = parse(readFileSync(join(k8sDir, 'kustomization.yaml'), 'utf8'));
const objects = kustomization.resources.flatMap((f) => parseAllDocuments(readFileSync(join(k8sDir, f), 'utf8')).map((d) => {
  assert.deepEqual(d.errors, [], f);
  return { file: f, obj: d.toJS() };
}));
const find = (kind, name) => objects.find((o) => o.obj.kind === kind && o.obj.metadata.name === name)?.obj;
const matches = (selector, labels) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);

test('k8s: every file is in the kustomization and every object fits its Kubernetes schema', () => {
  const files = readdirSync(k8sDir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
  assert.deepEqual([...kustomization.resources].sort(), files);
  for (const { file, obj } of objects) {
    const group = obj.apiVersion.includes('/') ? obj.apiVersion : `v1/${obj.apiVersion}`.replace('v1/v1', 'v1');
    const mod = require(`kubernetes-models/${group}`);
    assert.ok(mod[obj.kind], `${file}: no model for ${obj.apiVersion} ${obj.kind}`);
    assert.doesNotThrow(() => new mod[obj.kind](obj).validate(), `${file}: ${obj.kind} ${obj.metadata.name}`);
  }
  // The validator itself refuses a wrong type.
  const { Deployment } = require('kubernetes-models/apps/v1');
  assert.throws(() => new Deployment({ metadata: { name: 'x' }, spec: { selector: {}, template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 'http' }] }] } } } }).validate());
});

test('k8s: objects refer to each other correctly and run valid labelflow commands', () => {
  const kinds = objects.map((o) => o.obj.kind);
  for (const k of ['Deployment', 'Job', 'Service', 'Ingress', 'HorizontalPodAutoscaler', 'ConfigMap', 'Secret'])
    assert.ok(kinds.includes(k), `a ${k}`);
  const config = find('ConfigMap', 'labelflow').data;
  const secret = find('Secret', 'labelflow').stringData;
  const pods = [];
  for (const { obj } of objects) {
    if (obj.kind !== 'Deployment' && obj.kind !== 'Job') continue;
    const tpl = obj.spec.template;
    if (obj.kind === 'Deployment') assert.ok(matches(obj.spec.selector.matchLabels, tpl.metadata.labels), `${obj.metadata.name}: selector matches its pods`);
    assert.equal(tpl.spec.securityContext?.runAsNonRoot, true, `${obj.metadata.name}: runs as non-root`);
    for (const c of tpl.spec.containers) {
      const env = {};
      for (const ref of c.envFrom || []) {
        if (ref.configMapRef) { assert.ok(find('ConfigMap', ref.configMapRef.name), ref.configMapRef.name); Object.assign(env, config); }
        if (ref.secretRef) { assert.ok(find('Secret', ref.secretRef.name), ref.secretRef.name); Object.assign(env, secret); }
      }
      for (const e of c.env || []) env[e.name] = e.value;
      accepts(c.args, env, `k8s ${obj.metadata.name}`);
      assert.ok(c.resources?.requests?.cpu && c.resources?.limits?.memory, `${obj.metadata.name}: cpu request and memory limit`);
      const ports = new Set((c.ports || []).flatMap((p) => [p.name, p.containerPort]));
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
        if (!c[probe]) continue;
        assert.ok(ports.has(c[probe].httpGet.port), `${obj.metadata.name} ${probe}: port ${c[probe].httpGet.port}`);
        assert.ok(['/healthz', '/readyz'].includes(c[probe].httpGet.path), `${probe} path`);
        if (c.args[0] === 'serve') {
          const listen = env.LABELFLOW_LISTEN || c.args[c.args.indexOf('--listen') + 1];
          assert.ok(ports.has(Number(listen.split(':').pop())), 'the probed port is the one serve listens on');
        }
      }
      pods.push({ obj, c, labels: tpl.metadata.labels, ports });
    }
  }
  const serve = pods.find((p) => p.c.args[0] === 'serve');
  assert.ok(serve.c.readinessProbe && serve.c.livenessProbe, 'serve has readiness and liveness probes');
  assert.ok(pods.some((p) => p.c.args[0] === 'worker'), 'a worker');
  assert.ok(pods.some((p) => p.obj.kind === 'Job' && p.c.args[0] === 'migrate'), 'a migration Job');
  const svc = find('Service', 'labelflow');
  const backs = pods.filter((p) => matches(svc.spec.selector, p.labels));
  assert.deepEqual(backs.map((p) => p.c.args[0]), ['serve'], 'the Service selects the servers only');
  for (const port of svc.spec.ports) assert.ok(serve.ports.has(port.targetPort), `Service targetPort ${port.targetPort}`);
  for (const rule of find('Ingress', 'labelflow').spec.rules)
    for (const p of rule.http.paths) {
      const s = find('Service', p.backend.service.name);
      assert.ok(s, `Ingress backend ${p.backend.service.name}`);
      assert.ok(s.spec.ports.some((sp) => sp.name === p.backend.service.port.name || sp.port === p.backend.service.port.number), 'Ingress backend port');
    }
  const hpa = find('HorizontalPodAutoscaler', 'labelflow-serve');
  assert.equal(hpa.spec.scaleTargetRef.kind, 'Deployment');
  assert.equal(find('Deployment', hpa.spec.scaleTargetRef.name), serve.obj);
  assert.ok(hpa.spec.metrics.some((m) => m.resource?.name === 'cpu'), 'HPA on CPU');
  assert.ok(serve.c.resources.requests.cpu, 'CPU utilization needs a CPU request');
  for (const { obj } of objects.filter((o) => o.obj.kind === 'PodDisruptionBudget'))
    assert.ok(pods.some((p) => matches(obj.spec.selector.matchLabels, p.labels)), `${obj.metadata.name} selects pods`);
});

test('systemd: units verify, are hardened, and run valid labelflow commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lf-systemd-'));
  try {
    const envFile = envOf(readFileSync(join(deploy, 'systemd', 'labelflow.env'), 'utf8').split('\n')
      .map((l) => l.replace(/^#(?=[A-Z])/, '')).filter((l) => /^[A-Z_0-9]+=/.test(l)));
    for (const unit of ['labelflow.service', 'labelflow-worker.service']) {
      const text = readFileSync(join(deploy, 'systemd', unit), 'utf8');
      const values = (key) => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);
      for (const [k, v] of [['DynamicUser', 'yes'], ['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['StandardOutput', 'journal'], ['StandardError', 'journal']])
        assert.deepEqual(values(k), [v], `${unit}: ${k}=${v}`);
      assert.deepEqual(values('EnvironmentFile'), ['-/etc/labelflow/labelflow.env'], `${unit}: EnvironmentFile`);
      const exec = values('ExecStart')[0].split(/\s+/);
      assert.equal(exec[0], '/usr/local/bin/labelflow');
      // The unit's own variables and every line of the example file
      // (commented ones too: they are what users uncomment).
      const env = { ...Object.fromEntries(values('Environment').map((kv) => [kv.split('=')[0], kv.split('=').slice(1).join('=')])), ...envFile };
      for (const k of Object.keys(env)) if (env[k] === '') delete env[k];
      accepts(exec.slice(1), env, unit);
      // systemd-analyze verify checks that ExecStart is executable: the
      // copy runs the binary under test instead of /usr/local/bin's.
      writeFileSync(join(dir, unit), text.replaceAll('/usr/local/bin/labelflow', BIN));
    }
    const v = spawnSync('systemd-analyze', ['verify', ...['labelflow.service', 'labelflow-worker.service'].map((u) => join(dir, u))], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stderr.trim(), '', 'no warnings');
    for (const unit of ['labelflow.service', 'labelflow-worker.service']) {
      const s = spawnSync('systemd-analyze', ['security', '--offline=true', join(dir, unit)], { encoding: 'utf8' });
      const m = (s.stdout + s.stderr).match(/Overall exposure level for \S+: ([0-9.]+)/);
      assert.ok(m, s.stdout + s.stderr);
      console.log(`# ${unit}: systemd-analyze security exposure ${m[1]}`);
      assert.ok(Number(m[1]) <= 2.0, `${unit}: exposure ${m[1]} (systemd calls up to 2 "OK")`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
