"""The browser editor: `make edit`. views.py is what the page shows and saves (no HTTP);
server.py serves it on 127.0.0.1 with the checks that keep other sites out; static/ is the page."""
