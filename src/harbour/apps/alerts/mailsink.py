"""A mail catcher for the demo and trials: an SMTP listener that keeps what Harbour sends.

Not a mail server: it accepts every message on a loopback port, saves it as an ``.eml`` file
and prints who it was for and its subject, so a school trying Harbour sees the DSL's alert
email without configuring mail. Plain asyncio, no Django.
"""

from __future__ import annotations

import asyncio
import time
from email import message_from_bytes
from pathlib import Path

MAX_MESSAGE = 10 << 20


class MailSink:
    """Accepts SMTP sessions and writes each message into ``folder``."""

    def __init__(self, folder: Path, quiet: bool = False) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.quiet = quiet
        self.count = 0

    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One SMTP conversation: HELO/EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

        async def say(line: str) -> None:
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        recipients: list[str] = []
        await say("220 harbour-mail-sink ESMTP (demo only)")
        try:
            while line := await reader.readline():
                verb = line[:4].decode("ascii", "replace").upper()
                if verb == "EHLO":
                    await say("250-harbour-mail-sink\r\n250 8BITMIME")
                elif verb in {"HELO", "NOOP"} or verb == "MAIL":
                    await say("250 OK")
                elif verb == "RCPT":
                    recipients.append(
                        line.decode("utf-8", "replace").partition(":")[2].strip(" <>\r\n")
                    )
                    await say("250 OK")
                elif verb == "RSET":
                    recipients = []
                    await say("250 OK")
                elif verb == "DATA":
                    await say("354 end with <CRLF>.<CRLF>")
                    self.keep(await self._read_data(reader), recipients)
                    recipients = []
                    await say("250 OK: kept")
                elif verb == "QUIT":
                    await say("221 bye")
                    break
                else:
                    await say("502 not implemented")
        finally:
            writer.close()

    @staticmethod
    async def _read_data(reader: asyncio.StreamReader) -> bytes:
        lines: list[bytes] = []
        size = 0
        while (line := await reader.readline()) not in (b".\r\n", b".\n", b""):
            size += len(line)
            if size <= MAX_MESSAGE:
                lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)

    def keep(self, data: bytes, recipients: list[str]) -> Path:
        """Save one message; say on stdout who it was for (the subject carries no content)."""
        self.count += 1
        path = self.folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{self.count:04d}.eml"
        path.write_bytes(data)
        if not self.quiet:
            subject = message_from_bytes(data).get("Subject", "")
            print(f"mail for {', '.join(recipients)}: {subject} ({path.name})", flush=True)
        return path


async def serve(host: str, port: int, folder: Path) -> None:
    """Listen until cancelled."""
    sink = MailSink(folder)
    server = await asyncio.start_server(sink.session, host, port)
    async with server:
        await server.serve_forever()
