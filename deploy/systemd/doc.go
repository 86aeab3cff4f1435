// Package systemd holds the systemd unit of the Zo Thuis Monitor daemon,
// zothuis.service. It has no code; its tests check the unit with the real
// systemd-analyze and hold it to its hardening.
package systemd
