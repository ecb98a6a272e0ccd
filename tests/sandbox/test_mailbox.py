"""The sandbox's mailbox: a real SMTP server whose messages /mail shows, newest first."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from fastapi.testclient import TestClient
from ropo_sandbox.app import create_app
from ropo_sandbox.config import SandboxSettings
from sandbox_support import free_port


@pytest.fixture
def mailbox_app() -> Iterator[tuple[TestClient, int]]:
    port = free_port()
    app = create_app(SandboxSettings(smtp_port=port))
    with TestClient(app) as client:  # the lifespan starts and stops the SMTP listener
        yield client, port


def _send(port: int, to: str, subject: str, text: str) -> None:
    message = EmailMessage()
    message["From"] = "myropo@example.test"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
        smtp.send_message(message)


def test_mail_sent_over_smtp_is_listed_newest_first_and_by_recipient(
    mailbox_app: tuple[TestClient, int],
) -> None:
    client, port = mailbox_app
    _send(
        port, "aino@example.test", "Uusi kirje MyRopossa", "Kirjaudu: https://myropo.test/viestit"
    )
    _send(port, "matti@example.test", "Eräpäivä lähestyy", "Lasku erääntyy 3 päivän kuluttua.")

    every = client.get("/mail/messages").json()["messages"]
    aino = client.get("/mail/messages", params={"to": "AINO@example.test"}).json()["messages"]

    assert [mail["subject"] for mail in every] == ["Eräpäivä lähestyy", "Uusi kirje MyRopossa"]
    assert [mail["to"] for mail in aino] == [["aino@example.test"]]
    assert "https://myropo.test/viestit" in aino[0]["text"]
    assert "Eräpäivä lähestyy" in client.get("/mail").text


def test_the_mailbox_can_be_emptied(mailbox_app: tuple[TestClient, int]) -> None:
    client, port = mailbox_app
    _send(port, "aino@example.test", "Uusi kirje", "…")

    assert client.delete("/mail/messages").status_code == 204
    assert client.get("/mail/messages").json() == {"messages": []}


def test_without_a_port_there_is_no_smtp_listener_but_the_page_answers() -> None:
    port = free_port()
    with TestClient(create_app(SandboxSettings())) as client:
        assert client.get("/mail/messages").json() == {"messages": []}
        with pytest.raises(OSError):
            smtplib.SMTP("127.0.0.1", port, timeout=2)
