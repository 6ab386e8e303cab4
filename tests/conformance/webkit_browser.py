"""A stand-in browser for the WebKit conformance suite: WebKitGTK's web view, automation allowed.

Run with Debian's /usr/bin/python3 (it has the GObject bindings, gir1.2-webkit2-4.1), under Xvfb,
with WEBKIT_INSPECTOR_SERVER=127.0.0.1:PORT so that WebKitWebDriver can attach with
``--target=127.0.0.1:PORT``. Unlike MiniBrowser in automation mode its pages are not in an
ephemeral session, and console messages are written out: the web process prints every console
line (WebKit's CORS errors included) to stderr, where the test reads them.

    python3 webkit_browser.py DATA_DIR PROXY_URL

DATA_DIR is a throw-away folder for the profile; PROXY_URL (http://127.0.0.1:P) is the test's own
CONNECT proxy, the only way out: it tunnels to the test servers and nowhere else.
"""

import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gtk, WebKit2  # noqa: E402


def main() -> None:
    data_dir, proxy = sys.argv[1], sys.argv[2]
    manager = WebKit2.WebsiteDataManager(
        base_data_directory=f"{data_dir}/data", base_cache_directory=f"{data_dir}/cache"
    )
    manager.set_itp_enabled(False)
    manager.set_tls_errors_policy(WebKit2.TLSErrorsPolicy.IGNORE)
    manager.set_network_proxy_settings(
        WebKit2.NetworkProxyMode.CUSTOM, WebKit2.NetworkProxySettings.new(proxy, [])
    )
    context = WebKit2.WebContext(website_data_manager=manager)
    context.set_automation_allowed(True)
    # Cookies: WebKitGTK's default policy (no third-party cookies), the closest to Safari's.
    windows = []

    def new_view(session):
        view = WebKit2.WebView(web_context=context, is_controlled_by_automation=True)
        settings = view.get_settings()
        settings.set_enable_write_console_messages_to_stdout(True)
        settings.set_enable_developer_extras(True)
        window = Gtk.Window()
        window.set_default_size(1024, 768)
        window.add(view)
        window.show_all()
        windows.append(window)
        return view

    def started(_context, session):
        info = WebKit2.ApplicationInfo()
        info.set_name("corscheck-conformance")
        session.set_application_info(info)
        session.connect("create-web-view", new_view)

    context.connect("automation-started", started)
    # One window exists from the start, as in a browser; automation asks for its own.
    Gtk.main()


if __name__ == "__main__":
    main()
