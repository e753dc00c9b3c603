"""Drives the WinRM test server with pywinrm, an independent WinRM client.

Reads a JSON job on stdin: {"endpoint", "transport", "user", "password",
"encryption", "kerberos_hostname_override", "ops": [{"kind": "cmd", "command", "args"} | {"kind": "ps", "script"}]}
and prints one JSON result per op: {"stdout", "stderr", "status"} or {"error"}.
Run it with Debian's /usr/bin/python3, where python3-winrm is installed.
"""
import json
import sys

import winrm

job = json.load(sys.stdin)
session = winrm.Session(
    job["endpoint"],
    auth=(job["user"], job["password"]),
    transport=job["transport"],
    server_cert_validation="validate",
    ca_trust_path=job.get("ca_trust_path"),
    message_encryption=job.get("encryption", "auto"),
    kerberos_hostname_override=job.get("kerberos_hostname_override"),
    **job.get("timeouts", {})
)
results = []
for op in job["ops"]:
    try:
        if op["kind"] == "cmd":
            r = session.run_cmd(op["command"], op.get("args", []))
        else:
            r = session.run_ps(op["script"])
        results.append({"stdout": r.std_out.decode("utf-8"), "stderr": r.std_err.decode("utf-8"), "status": r.status_code})
    except Exception as error:  # reported to the test, which asserts on it
        results.append({"error": "%s: %s" % (type(error).__name__, error)})
print(json.dumps(results))
