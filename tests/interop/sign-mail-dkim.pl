#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# sign-mail-dkim.pl - sign messages with Mail::DKIM::Signer (interop test)
#
# usage: sign-mail-dkim.pl CANON KEY SELECTOR DOMAIN IN OUT [IN OUT]...
#
# Signs each IN (CRLF form) with rsa-sha256 and CANON ("header/body"),
# the key read from KEY (PEM), and writes OUT: the DKIM-Signature field
# Mail::DKIM made, then IN unchanged. One process for many messages, so
# the suite pays perl's start-up once. Exit 0, or 2 on a usage or I/O
# error; a message Mail::DKIM cannot sign is reported on stderr and its
# OUT is not written (exit 1 at the end).
use strict;
use warnings;
use Mail::DKIM::Signer;

@ARGV >= 6 && @ARGV % 2 == 0 or die "usage: $0 CANON KEY SELECTOR DOMAIN IN OUT [IN OUT]...\n";
my ($canon, $key, $selector, $domain, @files) = @ARGV;
my $refused = 0;
while (my ($in, $out) = splice (@files, 0, 2)) {
    open (my $fh, "<:raw", $in) or die "$in: $!\n";
    my $msg = do { local $/; <$fh> };
    close ($fh);
    my $sig = eval {
        my $d = Mail::DKIM::Signer->new (Algorithm => "rsa-sha256", Method => $canon,
                                         Domain => $domain, Selector => $selector,
                                         KeyFile => $key);
        $d->PRINT ($msg);
        $d->CLOSE;
        my $s = $d->signature->as_string;
        $s =~ s/\r?\n/\r\n/g;
        $s;
    };
    if (!defined $sig) {
        print STDERR "$in: Mail::DKIM: $@";
        $refused = 1;
        next;
    }
    open (my $oh, ">:raw", $out) or die "$out: $!\n";
    print $oh $sig, "\r\n", $msg or die "$out: $!\n";
    close ($oh) or die "$out: $!\n";
}
exit $refused;
