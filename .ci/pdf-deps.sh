#!/usr/bin/env bash
# Install what the summary's PDF and Word files need, only when it is missing. Non-interactive
# and quiet; needs root (or sudo).
# - WeasyPrint prints the summary to PDF: pango and fonts (required).
# - poppler-utils: pdfinfo and pdftotext read the PDF back in the tests (Tagged: yes; the text
#   as a screen reader's tools get it).
# - LibreOffice (Writer, no GUI) opens the .docx and converts it to PDF in a test (optional:
#   about 60 packages, 86 MB to download, 275 MB installed, ~30 s to unpack; if it cannot be
#   installed the test skips and says why).
set -euo pipefail

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
updated=""
apt_update() {
    if [[ -z "$updated" ]]; then
        $SUDO apt-get update -qq
        updated=1
    fi
}

if ! { ldconfig -p | grep -q 'libpango-1.0.so.0' && ldconfig -p | grep -q 'libpangoft2-1.0.so.0' \
    && fc-list 2>/dev/null | grep -qi 'dejavu'; }; then
    apt_update
    $SUDO apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fontconfig >/dev/null
fi

if ! { command -v pdfinfo >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; }; then
    apt_update
    $SUDO apt-get install -y -qq poppler-utils >/dev/null
fi

if ! command -v soffice >/dev/null 2>&1; then
    if ! { apt_update && $SUDO apt-get install -y -qq libreoffice-writer-nogui >/dev/null; }; then
        echo "could not install LibreOffice; the .docx → PDF test will skip" >&2
    fi
fi
