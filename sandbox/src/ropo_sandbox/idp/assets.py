"""The stylesheet of the broker's pages (served from the app; no CDN, no inline CSS).

High contrast, a clearly visible focus ring and large click targets.
"""

STYLESHEET = """
:root { font-family: system-ui, sans-serif; color: #1a1a1a; background: #ffffff; }
body { margin: 0; line-height: 1.5; }
.banner { background: #fff3c4; border-bottom: 2px solid #8a6d00; padding: 0.5rem 1rem; }
main { max-width: 36rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.75rem; }
fieldset { border: 1px solid #595959; border-radius: 0.5rem; padding: 1rem; }
legend { font-weight: 600; padding: 0 0.25rem; }
.persons { list-style: none; margin: 0; padding: 0; }
.persons li { display: flex; align-items: center; gap: 0.5rem; padding: 0.4rem 0; }
.persons input { width: 1.25rem; height: 1.25rem; }
label { cursor: pointer; }
.hetu, .lang, .title, .roles { color: #404040; margin-left: 0.5rem; }
.error { color: #a50000; font-weight: 600; }
.actions { display: flex; gap: 1rem; margin-top: 1.5rem; }
button { font: inherit; padding: 0.6rem 1.4rem; border-radius: 0.4rem; cursor: pointer;
  border: 2px solid #00509e; background: #00509e; color: #ffffff; }
button.secondary { background: #ffffff; color: #00509e; }
:focus-visible { outline: 3px solid #b35c00; outline-offset: 2px; }
"""
