#!/usr/bin/perl
# SPDX-License-Identifier: MIT
#
# NAME
#	bench-maildkim.pl - Mail::DKIM throughput on the benchmark corpus
# SYNOPSIS
#	bench-maildkim.pl CORPUS [SECONDS [ROUNDS]]
# DESCRIPTION
#	The Mail::DKIM (Debian's libmail-dkim-perl) harness of run-all.sh: a
#	loop in Perl signing msg-SIZE.eml and verifying signed-rsa-SIZE.eml,
#	rsa-sha256 relaxed/relaxed only (Debian's Mail::DKIM 1.20230212 has
#	no ed25519). The private key is loaded once (Mail::DKIM::PrivateKey),
#	as dkimproxy.out does; key records are answered from keys.txt by
#	replacing Mail::DKIM::PublicKey::fetch_async, so the record is still
#	parsed and checked per message as after a DNS answer. Prints
#	  RESULT maildkim sign|verify rsa SIZE MESSAGES_PER_SECOND
#	the median of ROUNDS (default 3) rounds of SECONDS (default 1) of CPU
#	time each (messages per CPU second, as openssl speed counts).
use strict;
use warnings;
use Time::HiRes qw(clock_gettime CLOCK_PROCESS_CPUTIME_ID);
use Mail::DKIM::Signer;
use Mail::DKIM::Verifier;
use Mail::DKIM::PrivateKey;
use Mail::DKIM::PublicKey;

my ($corpus, $seconds, $rounds) = @ARGV;
die "usage: bench-maildkim.pl CORPUS [SECONDS [ROUNDS]]\n" unless defined $corpus;
$seconds //= 1.0;
$rounds //= 3;

sub slurp {
    my ($name) = @_;
    open my $fh, '<:raw', "$corpus/$name" or die "$corpus/$name: $!\n";
    local $/;
    return scalar <$fh>;
}

my %keys;
for my $line (split /\n/, slurp('keys.txt')) {
    my ($name, $rec) = split / /, $line, 2;
    $keys{lc $name} = $rec;
}

{
    no warnings 'redefine';
    *Mail::DKIM::PublicKey::fetch_async = sub {
        my ($class, %p) = @_;
        my $on_success = ($p{Callbacks} && $p{Callbacks}{Success}) || sub { $_[0] };
        my $strn = $keys{lc "$p{Selector}._domainkey.$p{Domain}"};
        my $self = $class->parse($strn);
        $self->{Selector} = $p{Selector};
        $self->{Domain} = $p{Domain};
        $self->check;
        my $r = $on_success->($self);
        return sub { $r };
    };
}

sub rate {
    my ($fn) = @_;
    my @r;
    for (1 .. $rounds) {
        my ($n, $start, $t) = (0, clock_gettime(CLOCK_PROCESS_CPUTIME_ID));
        do {
            $fn->();
            $n++;
            $t = clock_gettime(CLOCK_PROCESS_CPUTIME_ID);
        } while ($t - $start < $seconds);
        push @r, $n / ($t - $start);
    }
    @r = sort { $a <=> $b } @r;
    return $r[int(@r / 2)];
}

my $priv = Mail::DKIM::PrivateKey->load(File => "$corpus/rsa-pkcs1.pem");
for my $size (qw(2k 64k 1m)) {
    my $msg = slurp("msg-$size.eml");
    my $signed = slurp("signed-rsa-$size.eml");
    my $sign = sub {
        my $d = Mail::DKIM::Signer->new(Algorithm => 'rsa-sha256', Method => 'relaxed',
            Domain => 'example.net', Selector => 'rsa', Key => $priv);
        $d->PRINT($msg);
        $d->CLOSE;
        $d->signature->as_string;
    };
    my $verify = sub {
        my $v = Mail::DKIM::Verifier->new;
        $v->PRINT($signed);
        $v->CLOSE;
        die "Mail::DKIM: $size: " . $v->result_detail . "\n" unless $v->result eq 'pass';
    };
    printf "RESULT maildkim sign rsa %s %.1f\n", $size, rate($sign);
    printf "RESULT maildkim verify rsa %s %.1f\n", $size, rate($verify);
    STDOUT->flush;
}
