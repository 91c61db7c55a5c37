#!/bin/sh
# A stylesheet with an unclosed rule swallows the rules after it, in that
# file and in every file the bundler appends to it (a merge once dropped a
# brace in admin.css and the label page lost its layout). Vite does not
# complain, so every stylesheet's braces must balance, comments aside.
cd "$(dirname "$0")/../.."
bad=$(for f in $(git ls-files 'web/src/*.css'); do
	sed 's:/\*.*\*/::g' "$f" | awk -v f="$f" '
		{ for (i = 1; i <= length($0); i++) { c = substr($0, i, 1); if (c == "{") d++; if (c == "}") d--; if (d < 0) { print f; exit } } }
		END { if (d != 0) print f }' | head -1
done)
if [ -z "$bad" ]; then
	echo "ok 1 - every stylesheet in web/src closes each rule it opens"
else
	echo "not ok 1 - every stylesheet in web/src closes each rule it opens"
	echo "# unbalanced: $bad"
fi
echo "1..1"
[ -z "$bad" ]
