#!/usr/bin/env sh
# Installs PhotoLot's menu entry and icons for the current user (no root needed).
#   sh resources/linux/install-desktop-entry.sh [PATH-TO-photolot]   (default: photolot on PATH)
#   sh resources/linux/install-desktop-entry.sh --uninstall
set -eu
here=$(cd "$(dirname "$0")" && pwd)
icons=$here/../icons
data=${XDG_DATA_HOME:-$HOME/.local/share}
if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$data/applications/photolot.desktop"
  find "$data/icons/hicolor" -name 'photolot.*' -delete 2>/dev/null || true
  echo "PhotoLot's menu entry and icons removed."
  exit 0
fi
exe=${1:-photolot}
case $exe in
  */*) [ -d "$exe" ] || exe=$(cd "$(dirname "$exe")" 2>/dev/null && pwd)/$(basename "$exe") ;;
  *) command -v "$exe" >/dev/null 2>&1 && exe=$(command -v "$exe") ;;
esac
if [ ! -f "$exe" ] || [ ! -x "$exe" ]; then
  echo "install-desktop-entry: $exe is not an executable PhotoLot file; give the path of the photolot binary." >&2
  exit 1
fi
for size in 16 24 32 48 64 128 256 512; do
  mkdir -p "$data/icons/hicolor/${size}x${size}/apps"
  cp "$icons/photolot-$size.png" "$data/icons/hicolor/${size}x${size}/apps/photolot.png"
done
mkdir -p "$data/icons/hicolor/scalable/apps" "$data/applications"
cp "$icons/photolot.svg" "$data/icons/hicolor/scalable/apps/photolot.svg"
sed -e "s|^Exec=photolot|Exec=\"$exe\"|" -e "s|^TryExec=photolot|TryExec=$exe|" \
  "$here/photolot.desktop" > "$data/applications/photolot.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q "$data/icons/hicolor" || true
echo "PhotoLot is in your applications menu (runs $exe)."
