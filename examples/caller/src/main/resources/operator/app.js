// The operator page: one button, POST /m2m/run, each step of the answer shown.
// Everything from the server goes into the DOM with textContent, never parsed as HTML.
'use strict';

(function () {
  const button = document.getElementById('run');
  const summary = document.getElementById('summary');
  const tbody = document.querySelector('#students tbody');

  function step(name) {
    return document.querySelector('.step[data-step="' + name + '"]');
  }

  function show(name, status, detail, ms) {
    const el = step(name);
    el.dataset.status = status;
    el.querySelector('.pill').textContent = status === 'idle' ? '' : status;
    el.querySelector('.ms').textContent = typeof ms === 'number' ? ms + ' ms' : '';
    el.querySelector('.detail').textContent = detail || '';
  }

  function request(name, text) {
    const code = step(name).querySelector('.request');
    if (text) code.textContent = text;
  }

  function reset() {
    ['run', 'token', 'obtained', 'students', 'result'].forEach(n => show(n, 'idle', ''));
    tbody.replaceChildren();
  }

  function errorText(s) {
    return (s.error || 'error') + (s.message ? ': ' + s.message : '');
  }

  function render(httpStatus, report) {
    const steps = {};
    (report.steps || []).forEach(s => { steps[s.name] = s; });
    const t = report.timings || {};
    const token = steps.token || {};
    const students = steps.students || {};

    show('run', report.ok ? 'ok' : 'error',
      'HTTP ' + httpStatus + (report.ok ? '' : ' (a step failed)'), t.totalMs);

    if (token.request) request('token', token.request + ' (grant_type=client_credentials)');
    if (token.status === 'ok') {
      show('token', 'ok', 'audience ' + token.audience + ', scope ' + token.scope +
        (token.fetches > 1 ? ', ' + token.fetches + ' token requests (renewed after a 401)' : ''),
        t.tokenMs);
      show('obtained', 'ok', (token.tokenType || 'Bearer') + ' token, expires in ' +
        token.expiresIn + ' s' + (token.grantedScope ? ', scope ' + token.grantedScope : ''));
    } else {
      show('token', token.status || 'error', errorText(token), t.tokenMs);
      show('obtained', 'skipped', 'no token');
    }

    if (students.request) request('students', students.request + ' (Authorization: Bearer …)');
    if (students.status === 'ok') {
      show('students', 'ok', 'HTTP ' + students.httpStatus + ', ' + students.rows + ' row(s)',
        t.studentsMs);
    } else if (students.status === 'error') {
      show('students', 'error', errorText(students), t.studentsMs);
    } else {
      show('students', 'skipped', 'not called');
    }

    if (report.ok && Array.isArray(report.students)) {
      report.students.forEach(s => {
        const tr = document.createElement('tr');
        [s && s.id, s && s.name].forEach(v => {
          const td = document.createElement('td');
          td.textContent = v === undefined || v === null ? '' : String(v);
          tr.appendChild(td);
        });
        tbody.appendChild(tr);
      });
      show('result', 'ok', report.students.length + ' student(s)');
      summary.textContent = 'done in ' + t.totalMs + ' ms (token ' + t.tokenMs +
        ' ms, students ' + t.studentsMs + ' ms)';
    } else {
      show('result', 'skipped', 'no data');
      summary.textContent = 'failed';
    }
  }

  async function run() {
    button.disabled = true;
    reset();
    show('run', 'running', 'waiting for the caller');
    summary.textContent = 'running…';
    try {
      const response = await fetch('/m2m/run', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
        body: '{}'
      });
      let report;
      try {
        report = await response.json();
      } catch (e) {
        report = { ok: false, steps: [] };
      }
      render(response.status, report);
    } catch (e) {
      show('run', 'error', 'the caller did not answer: ' + e.message);
      summary.textContent = 'failed';
    } finally {
      button.disabled = false;
      document.body.dataset.runs = String(Number(document.body.dataset.runs || 0) + 1);
    }
  }

  button.addEventListener('click', run);
})();
