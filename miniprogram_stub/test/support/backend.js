// Starts the REAL backend for the end-to-end tests, as `make run` does but on free ports and a fresh
// SQLite file: `flask db upgrade`, `flask demo-data`, the offline WeChat stand-in and gunicorn.
const { spawn, execFile } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const REPO = path.resolve(__dirname, '..', '..', '..');

// The backend's interpreter: E2E_PYTHON, else the repository's .venv, else $PYTHON, else python3.
function python() {
  if (process.env.E2E_PYTHON) return process.env.E2E_PYTHON;
  const venv = path.join(REPO, '.venv', 'bin', 'python');
  if (fs.existsSync(venv)) return venv;
  return process.env.PYTHON || 'python3';
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// A cap that catches a hung command, not a measure of speed: preparing the database takes seconds on an
// idle machine, and more than a minute when the machine is busy with other work.
const COMMAND_TIMEOUT_MS = 180000;

function run(args, env) {
  return new Promise((resolve, reject) => {
    execFile(python(), args, { cwd: REPO, env, timeout: COMMAND_TIMEOUT_MS, maxBuffer: 10 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

async function waitFor(url, deadline, children) {
  let last;
  while (Date.now() < deadline) {
    const dead = children.find((c) => c.exitCode !== null);
    if (dead) throw new Error(`${dead.spawnargs.join(' ')} exited with ${dead.exitCode}:\n${dead.output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status < 500) return;
      last = 'HTTP ' + res.status;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${url} did not come up: ${last}\n${children.map((c) => c.output()).join('\n')}`);
}

async function startBackend() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-e2e-'));
  const [port, standinPort] = [await freePort(), await freePort()];
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = Object.assign({}, process.env, {
    FLASK_APP: 'backend',
    APP_ENV: 'development',
    SECRET_KEY: 'e2e-secret',
    DATABASE_URL: `sqlite:///${path.join(tmp, 'e2e.sqlite')}`,
    UPLOAD_DIR: path.join(tmp, 'uploads'),
    WECHAT_MODE: 'fake',
    WECHAT_API_BASE: `http://127.0.0.1:${standinPort}`,
    PUBLIC_BASE_URL: baseUrl,
    REDIS_URL: '',
    LOGIN_RATE_LIMIT: '1000 per minute',
    PYTHONUNBUFFERED: '1',
    PYTHONPATH: [REPO, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
  });
  // Always this SQLite file, whatever database the pytest suite runs on: so .ci/run's PostgreSQL pass skips
  // these tests (NODE_TESTS=0 in the Makefile). Serve PostgreSQL here and that pass must run them again.
  delete env.TEST_DATABASE_URL;

  const children = [];
  const start = (args) => {
    const child = spawn(python(), args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output = (output + d).slice(-20000); });
    child.stderr.on('data', (d) => { output = (output + d).slice(-20000); });
    child.output = () => output;
    children.push(child);
    return child;
  };
  // The stand-in and gunicorn boot while the database is prepared (they touch it only on requests).
  start(['-m', 'backend.wechat.standin', '--port', String(standinPort)]);
  start(['-m', 'gunicorn', '--bind', `127.0.0.1:${port}`, '--workers', '1', '--threads', '4', 'backend:create_app()']);
  let demo;
  try {
    // flask db upgrade + flask demo-data, in one interpreter.
    demo = await run([path.join(__dirname, 'prepare_db.py')], env);
  } catch (err) {
    children.forEach((c) => c.kill('SIGTERM'));
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }

  const kill = () => children.forEach((c) => { if (c.exitCode === null) c.kill('SIGTERM'); });
  process.once('exit', kill);
  try {
    const deadline = Date.now() + 45000;
    await waitFor(`http://127.0.0.1:${standinPort}/__standin__/messages`, deadline, children);
    await waitFor(`${baseUrl}/api/v1/health`, deadline, children);
  } catch (err) {
    kill();
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }

  return {
    baseUrl,
    publicBaseUrl: baseUrl,
    standinUrl: `http://127.0.0.1:${standinPort}`,
    demoOutput: demo,
    logs: () => children.map((c) => c.output()).join('\n'),
    async stop() {
      kill();
      await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

// Plain HTTP calls for what the mini-program does not do (the administrator's side).
async function http(baseUrl, method, pathname, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const res = await fetch(baseUrl + '/api/v1' + pathname, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data = text;
  try { data = JSON.parse(text); } catch (e) { /* keep text */ }
  if (res.status >= 400) throw new Error(`${method} ${pathname} → ${res.status}: ${text}`);
  return data;
}

async function adminToken(baseUrl) {
  return (await http(baseUrl, 'POST', '/auth/login', { username: 'admin', password: 'admin12345' })).token;
}

module.exports = { startBackend, http, adminToken, python, REPO };
