// RFC 7983 §7: which protocol a datagram on a shared WebRTC socket belongs to, by its first
// byte. multiplex.ts routes with it; only 'dtls' goes to puredtls. (RFC 9443 adds QUIC in
// 64..127 beside TURN channels; a stack that carries QUIC tells the two apart by other means.)
//
//   +----------------+
//   |        [0..3] -+--> STUN
//   |      [16..19] -+--> ZRTP
//   |      [20..63] -+--> DTLS
//   |      [64..79] -+--> TURN channel
//   |    [128..191] -+--> RTP / RTCP
//   |  anything else -+--> drop
//   +----------------+

export type Protocol = 'stun' | 'zrtp' | 'dtls' | 'turn-channel' | 'rtp' | 'drop';

export function demultiplex(datagram: Uint8Array): Protocol {
  const b = datagram[0];
  if (b === undefined) return 'drop';
  if (b <= 3) return 'stun';
  if (b >= 16 && b <= 19) return 'zrtp';
  if (b >= 20 && b <= 63) return 'dtls';
  if (b >= 64 && b <= 79) return 'turn-channel';
  if (b >= 128 && b <= 191) return 'rtp';
  return 'drop';
}
