"""nginx in front of the shop's gunicorn, with the shipped file (deploy/nginx/lesnamax.conf).

The production file is used as it is except for what cannot run here, as tests/test_nginx.py
does: ports, paths and the certificate. Its HTTPS server listens on plain HTTP instead (wrk
then measures the page cache, not TLS), with every location and cache setting unchanged.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from servers import ROOT, free_port

NGINX = "/usr/sbin/nginx"
SHIPPED = ROOT / "deploy" / "nginx" / "lesnamax.conf"


def require_nginx() -> str:
    if not os.access(NGINX, os.X_OK):
        raise SystemExit("nginx is not installed: apt-get install -y nginx-light")
    return NGINX


def render(tmp: Path, port: int, app_port: int) -> Path:
    """Write the shipped file with bench values, and a main nginx.conf around it."""
    values = {
        "listen 80;": f"listen 127.0.0.1:{free_port()};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{port};",
        "listen [::]:80;": "",
        "listen [::]:443 ssl http2;": "",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "/etc/letsencrypt/live/lesnamax.com/": f"{tmp}/tls/",
        "/var/www/letsencrypt": f"{tmp}/acme",
        "/srv/lesnamax/app/static/": f"{ROOT}/static/",
        "/srv/lesnamax/media/": f"{tmp}/media/",
        "/var/cache/nginx/lesnamax": f"{tmp}/nginx-cache",
    }
    text = SHIPPED.read_text()
    for production, value in values.items():
        if production not in text:
            raise RuntimeError(f"{production!r} is no longer in {SHIPPED}: update bench/nginx.py")
        text = text.replace(production, value)
    (tmp / "lesnamax-nginx.conf").write_text(text)
    _certificate(tmp / "tls")  # the unused TLS settings still name a certificate
    temp_paths = "\n".join(f"    {kind}_temp_path {tmp}/nginx-{kind};"
                           for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;" if os.geteuid() == 0 else ""
    main = tmp / "nginx-main.conf"
    # One worker: the machine's 2 cores are shared by wrk, nginx and gunicorn's 2 workers.
    main.write_text(f"""{user}
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log off;
{temp_paths}
    include {tmp}/lesnamax-nginx.conf;
}}
""")
    return main


def _certificate(directory: Path) -> None:
    if (directory / "fullchain.pem").exists():
        return
    directory.mkdir(exist_ok=True)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=lesnamax.com",
         "-keyout", str(directory / "privkey.pem"), "-out", str(directory / "fullchain.pem")],
        check=True, capture_output=True)


@contextmanager
def front(app_base: str, tmp: Path) -> Iterator[str]:
    """nginx with the shipped file in front of the gunicorn at ``app_base``; yield its URL."""
    port = free_port()
    shutil.rmtree(tmp / "nginx-cache", ignore_errors=True)  # each run starts cold
    conf = render(tmp, port, urlsplit(app_base).port or 80)
    (tmp / "media" / "products").mkdir(parents=True, exist_ok=True)
    command = [require_nginx(), "-p", str(tmp), "-c", str(conf), "-e",
               str(tmp / "nginx-error.log")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (tmp / "nginx-error.log").read_text(errors="replace")
                    raise RuntimeError(f"nginx did not start:\n{log}") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
