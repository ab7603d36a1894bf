"""The baseline of every throughput ratio: a Flask app that answers ``{"ok": true}`` and does nothing else."""
from flask import Flask, request

app = Flask("bare")


@app.get("/ping")
def ping():
    return {"ok": True}


@app.post("/echo")
def echo():
    """The baseline for endpoints that read a JSON body."""
    return {"ok": True, "echo": request.get_json()}
