// Background jobs (platform operators): queue counts and latency, recent
// failures, and re-running archived jobs. Refreshes itself every 5 seconds.

import { h, replace } from '../dom.js';
import { badge, button, callout, card, cell, code, emptyState, loading, pageHeader, row, setBusy, table } from '../ui.js';
import { formatClock, formatCount, formatDateTime, formatLatency, formatRelative } from '../format.js';

const REFRESH_MS = 5000;

function sum(queues, key) {
  return queues.reduce((total, q) => total + (Number(q[key]) || 0), 0);
}

function stat({ label, value, sub, tone = '', testid }) {
  return h('div', { class: `stat ${tone ? `stat-${tone}` : ''}`.trim(), testid },
    h('span', { class: 'stat-label' }, label),
    h('span', { class: 'stat-value' }, value),
    sub ? h('span', { class: 'stat-sub' }, sub) : null);
}

function stats(ov) {
  const q = ov.queues;
  const retry = sum(q, 'retry');
  const archived = sum(q, 'archived');
  const failedToday = sum(q, 'failed_today');
  const maxLatency = Math.max(0, ...q.map((x) => Number(x.latency_seconds) || 0));
  return [
    stat({ label: 'Workers', value: formatCount(ov.servers), sub: ov.servers ? 'running' : 'none running', tone: ov.servers ? '' : 'warn', testid: 'stat-workers' }),
    stat({ label: 'Pending', value: formatCount(sum(q, 'pending')), sub: `${formatCount(sum(q, 'scheduled'))} scheduled`, testid: 'stat-pending' }),
    stat({ label: 'Active', value: formatCount(sum(q, 'active')), sub: `oldest waits ${formatLatency(maxLatency)}`, testid: 'stat-active' }),
    stat({ label: 'Retrying', value: formatCount(retry), sub: 'will run again', tone: retry ? 'warn' : '', testid: 'stat-retry' }),
    stat({ label: 'Archived', value: formatCount(archived), sub: 'gave up; need a look', tone: archived ? 'danger' : '', testid: 'stat-archived' }),
    stat({ label: 'Processed today', value: formatCount(sum(q, 'processed_today')), sub: `${formatCount(failedToday)} failed`, tone: failedToday ? 'warn' : '', testid: 'stat-processed' }),
  ];
}

const num = (n) => cell('num', formatCount(n));

function queueRow(q) {
  return row([
    cell('strong', h('span', { class: 'queue-name' }, q.name), q.paused ? badge('Paused', 'warn') : null),
    num(q.pending), num(q.active), num(q.scheduled),
    cell(`num ${q.retry ? 'text-warn' : ''}`, formatCount(q.retry)),
    cell(`num ${q.archived ? 'text-danger' : ''}`, formatCount(q.archived)),
    num(q.completed), num(q.processed_today),
    cell(`num ${q.failed_today ? 'text-warn' : ''}`, formatCount(q.failed_today)),
    cell('num nowrap', formatLatency(q.latency_seconds)),
  ], { testid: 'queue-row', dataset: { queue: q.name } });
}

export function render({ api, toast, reauth, session }) {
  const canRun = session.can('platform.jobs:write');
  const updated = h('span', { class: 'refresh-status', testid: 'jobs-updated' }, 'Loading…');
  const autoBox = h('input', { type: 'checkbox', checked: true, testid: 'jobs-auto-refresh' });
  const refreshButton = button({ label: 'Refresh', iconName: 'refresh', size: 'sm', testid: 'jobs-refresh' });
  const errorSlot = h('div');
  const statsEl = h('div', { class: 'stats', testid: 'jobs-stats' });
  const queuesBody = h('div', null, loading('Reading the queues…'));
  const failuresBody = h('div', null, loading('Reading failures…'));
  const failuresCount = h('span', { class: 'count', testid: 'failures-count' });
  let timer = null;
  let inFlight = false;
  let disposed = false;
  let haveData = false;

  const runAgain = (f) => button({
    label: 'Run again', iconName: 'play', size: 'sm', testid: 'job-run-again',
    onClick: async (event) => {
      const btn = event.currentTarget;
      setBusy(btn, true, 'Queuing…');
      try {
        await api.runJob(f.queue, f.id);
      } catch (err) {
        setBusy(btn, false);
        if (err.code === 'reauth_required') reauth(err.message);
        else toast(err.message, 'danger');
        return;
      }
      toast(`Job ${f.type} queued to run again.`);
      refresh();
    },
  });

  const failureRow = (f) => row([
    cell('nowrap muted', f.failed_at ? h('span', { title: formatDateTime(f.failed_at) }, formatRelative(f.failed_at)) : '—'),
    cell('', h('div', { class: 'job-id' }, code(f.type), h('span', { class: 'job-queue' }, `in ${f.queue}`))),
    cell('', f.state === 'archived' ? badge('Archived', 'danger') : badge('Retrying', 'warn')),
    cell('num nowrap', `${f.retried} / ${f.max_retry}`),
    cell('error-cell', f.last_error ? h('span', { class: 'error-text', title: f.last_error, testid: 'failure-error' }, f.last_error) : h('span', { class: 'muted' }, 'No error recorded')),
    cell('nowrap muted', f.state === 'retry' && f.next_run_at ? formatRelative(f.next_run_at) : '—'),
    cell('actions', f.state === 'archived' && canRun ? runAgain(f) : null),
  ], { testid: 'failure-row', dataset: { id: f.id, queue: f.queue, state: f.state } });

  function show(ov) {
    replace(statsEl, stats(ov));
    replace(queuesBody, table({
      testid: 'jobs-queues',
      caption: 'Job queues',
      columns: [
        { label: 'Queue' }, { label: 'Pending', className: 'num' }, { label: 'Active', className: 'num' },
        { label: 'Scheduled', className: 'num' }, { label: 'Retry', className: 'num' }, { label: 'Archived', className: 'num' },
        { label: 'Completed', className: 'num' }, { label: 'Processed', className: 'num' },
        { label: 'Failed', className: 'num' }, { label: 'Latency', className: 'num' },
      ],
      rows: ov.queues.map(queueRow),
      empty: emptyState({ iconName: 'activity', title: 'No queues yet.' }),
    }));
    failuresCount.textContent = String(ov.failures.length);
    replace(failuresBody, table({
      testid: 'jobs-failures',
      caption: 'Recent job failures',
      columns: [
        { label: 'Failed' }, { label: 'Job' }, { label: 'State' }, { label: 'Attempts', className: 'num' },
        { label: 'Last error' }, { label: 'Next try' }, { label: '', className: 'actions' },
      ],
      rows: ov.failures.map(failureRow),
      empty: emptyState({
        iconName: 'check', testid: 'failures-empty', title: 'No failed jobs.',
        text: 'A job that fails is retried with backoff; after its last attempt it is archived here.',
      }),
    }));
  }

  async function refresh() {
    if (inFlight || disposed) return;
    inFlight = true;
    refreshButton.disabled = true;
    try {
      const ov = await api.jobOverview();
      if (disposed) return;
      show(ov);
      haveData = true;
      replace(errorSlot);
      updated.textContent = `Updated ${formatClock(new Date())}`;
    } catch (err) {
      if (disposed) return;
      replace(errorSlot, callout({
        tone: 'danger', testid: 'jobs-error', title: 'The job queues could not be read',
        text: haveData ? `${err.message} Showing the last state read.` : err.message,
      }));
    } finally {
      inFlight = false;
      refreshButton.disabled = false;
    }
  }

  function schedule() {
    clearInterval(timer);
    timer = autoBox.checked ? setInterval(refresh, REFRESH_MS) : null;
  }

  refreshButton.addEventListener('click', refresh);
  autoBox.addEventListener('change', () => {
    schedule();
    if (autoBox.checked) refresh();
  });

  const el = h('div', { class: 'page', testid: 'page-jobs' },
    pageHeader({
      title: 'Jobs',
      description: 'Background work across every tenant: stock pushes, order intake, housekeeping.',
      actions: [
        h('span', { class: 'live-dot', 'aria-hidden': 'true' }), updated,
        h('label', { class: 'toggle' }, autoBox, h('span', null, 'Auto-refresh every 5 s')),
        refreshButton,
      ],
    }),
    errorSlot,
    statsEl,
    card({ title: 'Queues', description: 'Jobs per state; processed and failed count today. Latency is how long the oldest pending job has waited.', body: queuesBody, flush: true, testid: 'queues-card' }),
    card({ title: h('span', null, 'Recent failures ', failuresCount), description: 'The newest 50 jobs waiting to retry or archived after their last attempt.', body: failuresBody, flush: true, testid: 'failures-card' }));

  refresh();
  schedule();
  return {
    el,
    dispose() {
      disposed = true;
      clearInterval(timer);
    },
  };
}
