/**
 * Keys of kinds the certificate profile refuses (P-192, DSA), fixed: they only
 * appear as the subject key of a certificate that must be refused, and not
 * every runtime's node:crypto can make them (Bun's BoringSSL has neither
 * P-192 nor DSA key generation), so the x509 suites run the same everywhere.
 * Made once with Node's generateKeyPairSync; not secrets.
 */
export const WEAK_KEYS: Readonly<Record<'p192' | 'dsa', { readonly pkcs8: string; readonly spki: string }>> = {
  p192: {
    pkcs8:
    'MG8CAQAwEwYHKoZIzj0CAQYIKoZIzj0DAQEEVTBTAgEBBBhr2XOxnevoSrwgpudr42qHRIsuop0hqFmhNAMyAAQ3D4WdJ4gOdkJV' +
    't+BUNKVEComSDpqoQ7307EeyjJ4kyJmqPAxCnCWr8W0omhoEt/k=',
    spki:
    'MEkwEwYHKoZIzj0CAQYIKoZIzj0DAQEDMgAENw+FnSeIDnZCVbfgVDSlRAqJkg6aqEO99OxHsoyeJMiZqjwMQpwlq/FtKJoaBLf5',
  },
  dsa: {
    pkcs8:
    'MIICZQIBADCCAjoGByqGSM44BAEwggItAoIBAQDmhGX2A8eJKE6qx1Y8Du0xnaoL5lq3PnI/YNufLsCFK2AqhH0icOGHMKcQ1THH' +
    'bCM+FoGWhnCrJY+MT3HmPkhP6xRF2NjH/3Ek4Q3ohBCZtXlsOXsBmetWhciAnxeXOzQXgbXoSftw8A7/43jfaPRg3Mo6ecibib1N' +
    '0hcGVceQCWmAT/zZ5Y8gsCx02xCXf2uIjvV8brO8Jv5WjKOUBuMrhstuzsq6s8fa2YCFt2SgpeKm8W4dlFSGU50jrBtU1j+Bijmg' +
    '8X9ZTD0xdsiELuW9ZRWBHmLdT7w3/5Pm+S5gSx1aRS62RftjFJK/ZvOQ/gSe/W9bgOU9Gp+q9VMbzQPZAiEAhzdUrt3Pa7eQdtgQ' +
    'ajw4QKWDJUHwQp/YEXXDJcpfdIsCggEBAKMT63PKz22SVR7tveA4D1PqohwfXB9NDoxOgVyhNzVI+QpiGC1pB7KAwcxkqEhQKjsz' +
    'eR734f90KCuelN9cHGEFbVwauwWednPkbZSKitq8E8asRMm8C2wLO3UI7j817PFIMfm0tWxN4YRQ0Idtek3JkBgB5fxDMu7EvhpD' +
    'u6ex/cG0hpues94C09ZDMZvlJhT00B23g50F611L33+Z749zSAJmBrAkZ4sdxd3nTIYyu/l+tr8qKBRLmZFJvlWn2BpRX9Ok90bj' +
    'IPyPj6fPQK1syCJizH5/xOhKYESkzlTtiTlxTGtbbYxZki/A/bh0SvrsZNAuFyjuld0TgtiPen8EIgIgeLtsJMEuYRvSxMe5e94k' +
    'zKs3HFhroEYNrcFdPb/JNzs=',
    spki:
    'MIIDRzCCAjoGByqGSM44BAEwggItAoIBAQDmhGX2A8eJKE6qx1Y8Du0xnaoL5lq3PnI/YNufLsCFK2AqhH0icOGHMKcQ1THHbCM+' +
    'FoGWhnCrJY+MT3HmPkhP6xRF2NjH/3Ek4Q3ohBCZtXlsOXsBmetWhciAnxeXOzQXgbXoSftw8A7/43jfaPRg3Mo6ecibib1N0hcG' +
    'VceQCWmAT/zZ5Y8gsCx02xCXf2uIjvV8brO8Jv5WjKOUBuMrhstuzsq6s8fa2YCFt2SgpeKm8W4dlFSGU50jrBtU1j+Bijmg8X9Z' +
    'TD0xdsiELuW9ZRWBHmLdT7w3/5Pm+S5gSx1aRS62RftjFJK/ZvOQ/gSe/W9bgOU9Gp+q9VMbzQPZAiEAhzdUrt3Pa7eQdtgQajw4' +
    'QKWDJUHwQp/YEXXDJcpfdIsCggEBAKMT63PKz22SVR7tveA4D1PqohwfXB9NDoxOgVyhNzVI+QpiGC1pB7KAwcxkqEhQKjszeR73' +
    '4f90KCuelN9cHGEFbVwauwWednPkbZSKitq8E8asRMm8C2wLO3UI7j817PFIMfm0tWxN4YRQ0Idtek3JkBgB5fxDMu7EvhpDu6ex' +
    '/cG0hpues94C09ZDMZvlJhT00B23g50F611L33+Z749zSAJmBrAkZ4sdxd3nTIYyu/l+tr8qKBRLmZFJvlWn2BpRX9Ok90bjIPyP' +
    'j6fPQK1syCJizH5/xOhKYESkzlTtiTlxTGtbbYxZki/A/bh0SvrsZNAuFyjuld0TgtiPen8DggEFAAKCAQANfgjIm2zyuvimmGx9' +
    'p7O4m3HA3F+awBdurPdN/wcAvVB+2LjP5SzViZf41Y6boGCajyxQZMiFrTGXe0aFa+OYWVNS/iJU1Y+6u5eGM2ahnvzDG+tJqG0M' +
    'YDuZEHvh6UWcCsiXFSPGEOKwNdzEQUZ3pivDcHjY23Ib7BRmXOG+f1JlHum7//hpyvw0blwyKVMN6YSSSUQ0oXL26FZ+67S83wDz' +
    'vQSBwD7yi07a5cPworPBm205x/45j/vHWSBWzX8KuD9jGoOqQ1PPQaChcefana2b4xIOLsR/Szqb0VEQnvnF0VrwOK3qCZ1SEIx9' +
    'Bwqj2N0zEY8ViGEXbdhH1oYD',
  },
};
