/** SHA-256 of the big-endian prime of each RFC 7919 group (RFC 7919 Appendix A), to name a DHE server's group. */
export const FFDHE_FINGERPRINTS: readonly { readonly name: string; readonly bits: number; readonly sha256: string }[] = [
  { name: 'ffdhe2048', bits: 2048, sha256: '9cd3b7f336872f46c09428d1bbc19877a4d440512cda8d1c1cf0cd6e33698966' },
  { name: 'ffdhe3072', bits: 3072, sha256: '0eaf67db3a839156d5013494a5318a772b5697d270d721f37f092efc69ea5a17' },
  { name: 'ffdhe4096', bits: 4096, sha256: '4648414224ac881b3d0dc59b466f96d06a558278776807797ecf1f66ff397b3e' },
  { name: 'ffdhe6144', bits: 6144, sha256: '227ac9066b3ddd9e193670cda2388fa884f65ba0cf98b742d1fe77a6687c79c7' },
  { name: 'ffdhe8192', bits: 8192, sha256: '770b14efaf6f049929c523113b3fa99a8d11dab1b18af3609590122075d19833' },
];
