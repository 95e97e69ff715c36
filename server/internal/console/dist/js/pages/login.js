// The sign-in page.

import { h } from '../dom.js';
import { button, callout, errorLine, field, setBusy, setError } from '../ui.js';

/**
 * ctx: {session, notice: {tone, text} | null, email: prefilled address,
 * onSignedIn: called once the session is open}.
 */
export function render({ session, notice, email, onSignedIn }) {
  const emailInput = h('input', {
    type: 'email', name: 'email', autocomplete: 'username', required: true, spellcheck: 'false',
    class: 'input', testid: 'login-email', value: email || '', placeholder: 'you@company.com',
  });
  const passwordInput = h('input', {
    type: 'password', name: 'password', autocomplete: 'current-password', required: true,
    class: 'input', testid: 'login-password',
  });
  const error = errorLine('login-error');
  const submit = button({ label: 'Sign in', kind: 'primary', type: 'submit', testid: 'login-submit' });
  submit.classList.add('btn-block');

  const form = h('form', { class: 'form', testid: 'login-form', novalidate: true },
    field({ label: 'Email', control: emailInput }),
    field({ label: 'Password', control: passwordInput }),
    error,
    submit);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const address = emailInput.value.trim();
    const password = passwordInput.value;
    if (!address || !password) {
      setError(error, 'Enter your email and password.');
      (address ? passwordInput : emailInput).focus();
      return;
    }
    setError(error, '');
    setBusy(submit, true, 'Signing in…');
    try {
      await session.signIn(address, password);
    } catch (err) {
      setBusy(submit, false);
      setError(error, err.message);
      passwordInput.select();
      passwordInput.focus();
      return;
    }
    onSignedIn();
  });

  const el = h('div', { class: 'auth', testid: 'page-login' },
    h('div', { class: 'auth-card' },
      h('div', { class: 'auth-brand' },
        h('span', { class: 'brand-mark brand-mark-lg', 'aria-hidden': 'true' }, 'M'),
        h('div', null, h('p', { class: 'auth-product' }, 'Manifold'), h('p', { class: 'auth-tagline' }, 'Order management for manufacturers'))),
      h('h1', { class: 'auth-title' }, 'Sign in to the console'),
      notice ? callout({ tone: notice.tone, text: notice.text, testid: 'login-notice' }) : null,
      form),
    h('p', { class: 'auth-foot' }, 'Integrations use API tokens with the REST API at ', h('code', null, '/api/v1'), '.'));

  return {
    el,
    focus: () => (emailInput.value ? passwordInput : emailInput).focus(),
  };
}
