#!/usr/bin/perl
# SPDX-License-Identifier: MIT
#
# verify-mail-dkim.pl - verify messages with Mail::DKIM, keys from a file
#
# usage: verify-mail-dkim.pl KEYS FILE...
#   KEYS: lines "selector._domainkey.domain TXT-record" (the record may
#   contain spaces). DNS is answered from them by a fake resolver handed to
#   Mail::DKIM::DNS::resolver, so no network is used.
# Output, one line per signature found in each FILE, in message order:
#   FILE<TAB>INDEX<TAB>DOMAIN<TAB>SELECTOR<TAB>ALGORITHM<TAB>RESULT<TAB>DETAIL
# RESULT is Mail::DKIM's: pass, fail, invalid, temperror, none.
# A file with no signature prints INDEX -1 and RESULT none.
use strict;
use warnings;

use Mail::DKIM 1.20;
use Mail::DKIM::Verifier;
use Mail::DKIM::DNS;
use Net::DNS;

package FakeResolver;

sub new {
    my ( $class, $records ) = @_;
    return bless { records => $records, error => 'NOERROR' }, $class;
}

# send - what Mail::DKIM::DNS::query calls: a packet with the TXT record
# split into 255-byte strings, or NXDOMAIN.
sub send {
    my ( $self, $name, $type ) = @_;
    my $packet = Net::DNS::Packet->new( $name, $type );
    my $key    = lc $name;
    $key =~ s/\.$//;
    if ( exists $self->{records}{$key} && uc $type eq 'TXT' ) {
        my $text    = $self->{records}{$key};
        my @strings = unpack( '(a255)*', $text );
        $packet->header->rcode('NOERROR');
        $packet->push(
            answer => Net::DNS::RR->new(
                name    => $name,
                type    => 'TXT',
                txtdata => [@strings]
            )
        );
    }
    else {
        $packet->header->rcode('NXDOMAIN');
    }
    return $packet;
}

sub errorstring { return $_[0]{error} }

package main;

my ( $keys_file, @files ) = @ARGV;
die "usage: $0 KEYS FILE...\n" unless defined $keys_file && @files;

my %records;
open my $kf, '<', $keys_file or die "$keys_file: $!\n";
while ( my $line = <$kf> ) {
    chomp $line;
    next if $line =~ /^\s*(#|$)/;
    my ( $name, $record ) = split /\s+/, $line, 2;
    $records{ lc $name } = $record;
}
close $kf;
Mail::DKIM::DNS::resolver( FakeResolver->new( \%records ) );

for my $file (@files) {
    open my $fh, '<:raw', $file or die "$file: $!\n";
    my $dkim = Mail::DKIM::Verifier->new();
    local $/ = \65536;
    while ( my $chunk = <$fh> ) {
        $dkim->PRINT($chunk);
    }
    close $fh;
    $dkim->CLOSE();
    my @sigs = $dkim->signatures;
    if ( !@sigs ) {
        print join( "\t", $file, -1, '', '', '', 'none', 'no signature' ), "\n";
        next;
    }
    my $i = 0;
    for my $sig (@sigs) {
        my $detail = $sig->result_detail // '';
        $detail =~ s/[\t\r\n]+/ /g;
        print join( "\t",
            $file, $i++, $sig->domain // '', $sig->selector // '',
            $sig->algorithm // '', $sig->result // '', $detail ),
          "\n";
    }
}
