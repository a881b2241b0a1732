#!/usr/bin/env python3
"""Writes the demo chat export, Examples/demo-chat-export/: an iOS "Export chat" .zip of the demo's sales group
(with one photo, one video left out) and the participants file that maps its people to contoso.com mailboxes.
Deterministic: the same bytes on every run (fixed entry times), so the committed files can be regenerated."""
import pathlib
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Examples" / "demo-chat-export"
LRM = "\u200e"
NNBSP = "\u202f"


def line(stamp, author, text):
    return f"[{stamp}] {author}: {text}"


CHAT = [
    line("23.11.26, 10:00:00", "Sales Group", LRM + "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them."),
    line("23.11.26, 10:00:05", "Sales Group", LRM + "Alice Andersson created group “Sales Group”"),
    line("23.11.26, 10:00:06", "Sales Group", LRM + "Alice Andersson added Carol Chen and Bernd Bauer"),
    line("23.11.26, 10:10:00", "Bernd Bauer", "Offer for Q4 is ready, see the whiteboard"),
    line("23.11.26, 10:12:00", "Alice Andersson", LRM + "<attached: 00000005-PHOTO-2026-11-23-10-12-00.png>"),
    line("23.11.26, 10:12:30", "Alice Andersson", "Whiteboard from today's call.\nPrices are per seat,\nnot per site."),
    line("23.11.26, 10:15:00", "Carol Chen", LRM + "video omitted"),
    line("23.11.26, 10:16:00", "Carol Chen", "Looks good. Can we lock it by Friday?"),
    line("23.11.26, 10:17:00", "Bernd Bauer", "This message was deleted"),
    line("23.11.26, 10:18:00", "Bernd Bauer", "Friday works <This message was edited>"),
    line("23.11.26, 10:20:00", "Carol Chen", "Location: https://maps.google.com/?q=59.334591,18.063240"),
    line("23.11.26, 10:25:00", "Sales Group", LRM + "Bernd Bauer left"),
]

PARTICIPANTS = """Name,Phone,Email
Alice Andersson,+46 70 123 45 67,alice@contoso.com
Carol Chen,+1 212 432 5249,carol@contoso.com
Bernd Bauer,+49 151 12345678,
"""


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    photo = (ROOT / "Examples" / "demo-export" / "attachments" / "att-img-0004").read_bytes()
    with zipfile.ZipFile(OUT / "WhatsApp Chat - Sales Group.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, method in [
            ("_chat.txt", ("\r\n".join(CHAT) + "\r\n").encode("utf-8"), zipfile.ZIP_DEFLATED),
            ("00000005-PHOTO-2026-11-23-10-12-00.png", photo, zipfile.ZIP_STORED),
        ]:
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 23, 10, 30, 0))
            info.compress_type = method
            info.external_attr = 0o100644 << 16
            info.create_system = 3
            archive.writestr(info, data)
    (OUT / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")


if __name__ == "__main__":
    main()
