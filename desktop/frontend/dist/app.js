// Station window: sign-in screen and station home. All logic lives in the Go
// service bound as window.go.station.Service; this file only shows its state.
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const el = {
    boot: $("screen-boot"),
    login: $("screen-login"),
    home: $("screen-home"),
    banner: $("banner"),
    conn: $("conn"),
    connLabel: $("conn-label"),
    clock: $("clock"),
    topTenant: $("topbar-tenant"),
    form: $("login-form"),
    serverURL: $("server-url"),
    email: $("email"),
    password: $("password"),
    loginError: $("login-error"),
    loginButton: $("login-button"),
    deviceName: $("device-name"),
    statusPanel: $("status-panel"),
    statusTitle: $("status-title"),
    statusDetail: $("status-detail"),
    homeTenant: $("home-tenant"),
    homeUser: $("home-user"),
    homeEmail: $("home-email"),
    homeRole: $("home-role"),
    homeServer: $("home-server"),
    homeChecked: $("home-checked"),
    homeDevice: $("home-device"),
    logoutButton: $("logout-button"),
  };

  let current = null; // last ConnectionState shown
  let busy = false;
  let errorFromState = false; // the form's error came from the state, not from a sign-in attempt
  let disarmTimer = null;

  // Errors from bound methods arrive as strings; anything else is a fault of the window itself.
  const message = (err) => sentence(typeof err === "string" ? err : (err && err.message) || String(err));

  // Messages from the service are Go errors, lower-case by convention; the screen shows sentences.
  function sentence(s) {
    return s ? s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? "" : ".") : "";
  }

  const service = () => window.go && window.go.station && window.go.station.Service;

  function showScreen(name) {
    el.boot.hidden = name !== "boot";
    el.login.hidden = name !== "login";
    el.home.hidden = name !== "home";
  }

  function showBanner(text, kind) {
    el.banner.textContent = text || "";
    el.banner.className = "banner" + (kind ? " " + kind : "");
    el.banner.hidden = !text;
  }

  function showLoginError(text) {
    errorFromState = false;
    el.loginError.textContent = text || "";
    el.loginError.hidden = !text;
  }

  function titleCase(s) {
    return s ? s.replace(/[_-]+/g, " ").replace(/\b\w/g, (c) => c.toUpperCase()) : "—";
  }

  function ago(iso) {
    if (!iso) return "not checked yet";
    const secs = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    if (secs < 5) return "checked just now";
    if (secs < 90) return "checked " + secs + " s ago";
    return "checked " + Math.round(secs / 60) + " min ago";
  }

  function renderConnection(st) {
    let cls = "conn-unknown", label = "NO SERVER";
    if (st.server_url) {
      if (!st.last_check) { cls = "conn-checking"; label = "CHECKING"; }
      else if (st.online) { cls = "conn-online"; label = "ONLINE"; }
      else { cls = "conn-offline"; label = "OFFLINE"; }
    }
    el.conn.className = "conn " + cls;
    el.connLabel.textContent = label;
    el.conn.title = st.last_error || st.server_url || "";
  }

  function render(st) {
    if (!st) return;
    const prev = current;
    current = st;
    renderConnection(st);

    if (!st.signed_in) {
      el.topTenant.hidden = true;
      showScreen("login");
      // Why the server is unreachable, or why the station was signed out
      // (a revoked token), is told where the person is looking: on the form.
      // An error from the last sign-in attempt stays until the link changes.
      showBanner("", "");
      if (st.last_error) {
        showLoginError(sentence(st.last_error));
        errorFromState = true;
      } else if (errorFromState || (prev && prev.online !== st.online)) {
        showLoginError("");
        errorFromState = false;
      }
      return;
    }

    showScreen("home");
    showLoginError("");
    el.topTenant.textContent = st.tenant_name || "";
    el.topTenant.hidden = !st.tenant_name;
    el.homeTenant.textContent = st.tenant_name || "—";
    el.homeUser.textContent = st.user_name || st.email || "—";
    el.homeEmail.textContent = st.email || "";
    el.homeRole.textContent = titleCase(st.role);
    el.homeServer.textContent = st.server_url || "—";
    el.homeChecked.textContent = ago(st.last_check);
    el.homeDevice.textContent = st.device_name || "—";

    const offline = st.last_check && !st.online;
    el.statusPanel.classList.toggle("offline", !!offline);
    if (!st.last_check) {
      el.statusTitle.textContent = "Connecting…";
      el.statusDetail.textContent = "Checking the server at " + st.server_url + ".";
    } else if (offline) {
      el.statusTitle.textContent = "Server offline";
      el.statusDetail.textContent = sentence(st.last_error) || "The station cannot reach the server.";
    } else {
      el.statusTitle.textContent = "Station ready";
      el.statusDetail.textContent = "Connected to the server.";
    }
    // The status panel carries the reason; a banner would push Sign out off screen.
    showBanner("", "");
  }

  async function refresh() {
    try {
      render(await service().State());
    } catch (err) {
      showBanner(message(err), "");
    }
  }

  async function onLogin(ev) {
    ev.preventDefault();
    if (busy) return;
    busy = true;
    showLoginError("");
    el.loginButton.disabled = true;
    el.loginButton.textContent = "Signing in…";
    try {
      await service().Login(el.serverURL.value, el.email.value, el.password.value);
      el.password.value = "";
      await refresh();
    } catch (err) {
      showLoginError(message(err));
      el.password.select();
    } finally {
      busy = false;
      el.loginButton.disabled = false;
      el.loginButton.textContent = "Sign in";
    }
  }

  // Sign out takes two taps, so a stray touch does not end the station's sign-in.
  async function onLogout() {
    if (!el.logoutButton.classList.contains("armed")) {
      el.logoutButton.classList.add("armed");
      el.logoutButton.textContent = "Tap again to sign out";
      clearTimeout(disarmTimer);
      disarmTimer = setTimeout(disarmLogout, 4000);
      return;
    }
    disarmLogout();
    el.logoutButton.disabled = true;
    try {
      await service().Logout();
    } catch (err) {
      showBanner(message(err), "");
    } finally {
      el.logoutButton.disabled = false;
      await refresh();
      el.email.focus();
    }
  }

  function disarmLogout() {
    clearTimeout(disarmTimer);
    el.logoutButton.classList.remove("armed");
    el.logoutButton.textContent = "Sign out";
  }

  // Checking the server as soon as its address is typed lets the light show
  // whether it is reachable before anyone signs in.
  async function onServerChange() {
    const url = el.serverURL.value.trim();
    if (!url || (current && current.signed_in)) return;
    try {
      render(await service().SaveServerURL(url));
      el.serverURL.removeAttribute("aria-invalid");
    } catch (err) {
      el.serverURL.setAttribute("aria-invalid", "true");
      showLoginError(message(err));
    }
  }

  // The service emits only changes; the time of the last check is read
  // every few seconds so "checked … ago" stays true while nothing changes.
  let ticks = 0;
  function tick() {
    const now = new Date();
    el.clock.textContent = now.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });
    if (service() && ++ticks % 5 === 0) refresh();
    else if (current && current.signed_in) el.homeChecked.textContent = ago(current.last_check);
  }

  async function start() {
    tick();
    setInterval(tick, 1000);
    if (!service() || !window.runtime) {
      showScreen("login");
      showBanner("The station service is not available: run this page inside Manifold Station.", "");
      return;
    }
    el.form.addEventListener("submit", onLogin);
    el.logoutButton.addEventListener("click", onLogout);
    el.serverURL.addEventListener("change", onServerChange);
    window.runtime.EventsOn("connection", render);

    try {
      const [defaults, st] = await Promise.all([service().Defaults(), service().State()]);
      el.serverURL.value = defaults.server_url || "";
      el.email.value = defaults.email || "";
      el.deviceName.textContent = defaults.device_name || "—";
      render(st);
      if (!st.signed_in) {
        (el.serverURL.value ? (el.email.value ? el.password : el.email) : el.serverURL).focus();
        if (el.serverURL.value && !st.server_url) onServerChange();
      }
    } catch (err) {
      showScreen("login");
      showBanner(message(err), "");
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
