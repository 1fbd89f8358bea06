/**
 * The outside world of the simulated network: popular sites with their CDN address pools,
 * CNAME chains and TTLs, update/telemetry endpoints and NTP servers. Addresses are plausible
 * for each operator but fixed here (simulation data, not a statement of where a site lives).
 */

/** A public name the hosts resolve and connect to. */
export interface Site {
  domain: string;
  /** CNAME chain the resolver returns before the addresses (last element holds the A records). */
  cname?: string[];
  /** IPv4 pool; each answer returns `perAnswer` of them, rotated per query (CDN behaviour). */
  a: string[];
  /** IPv6 pool (AAAA), when the site has one. */
  aaaa?: string[];
  perAnswer: number;
  ttl: number;
  /** Relative popularity for web browsing (0: not browsed, only used by a service). */
  weight: number;
  /** Median response size of a page/API object, bytes. */
  medianBytes: number;
  /** TLS 1.2 server showing a certificate (issuer CN) instead of TLS 1.3. */
  tls12Issuer?: string;
  /** Sub-resource domains a page of this site pulls. */
  subs?: string[];
}

/** Every public name the simulated hosts use. */
export const SITES: Site[] = [
  { domain: 'www.google.com', a: ['142.250.185.68', '142.250.184.228', '172.217.16.196', '216.58.206.68'], aaaa: ['2a00:1450:4001:82b::2004', '2a00:1450:4001:830::2004'], perAnswer: 1, ttl: 300, weight: 30, medianBytes: 30000, subs: ['www.gstatic.com', 'apis.google.com'] },
  { domain: 'www.gstatic.com', a: ['142.250.185.67', '142.250.186.35', '172.217.18.3'], aaaa: ['2a00:1450:4001:828::2003'], perAnswer: 1, ttl: 300, weight: 0, medianBytes: 20000 },
  { domain: 'apis.google.com', cname: ['plus.l.google.com'], a: ['142.250.185.110', '142.250.186.46'], perAnswer: 1, ttl: 300, weight: 0, medianBytes: 8000 },
  { domain: 'www.youtube.com', cname: ['youtube-ui.l.google.com'], a: ['142.250.185.78', '172.217.18.14', '216.58.212.142', '142.250.186.142'], aaaa: ['2a00:1450:4001:80b::200e'], perAnswer: 4, ttl: 300, weight: 8, medianBytes: 90000, subs: ['i.ytimg.com', 'www.gstatic.com'] },
  { domain: 'i.ytimg.com', a: ['142.250.185.86', '142.250.186.54', '172.217.23.118'], perAnswer: 2, ttl: 300, weight: 0, medianBytes: 25000 },
  { domain: 'login.microsoftonline.com', cname: ['login.mso.msidentity.com', 'ak.privatelink.msidentity.com', 'www.tm.ak.prd.aadg.akadns.net'], a: ['20.190.159.0', '20.190.159.64', '40.126.31.67', '40.126.31.69', '20.190.159.2', '40.126.31.73'], perAnswer: 3, ttl: 60, weight: 6, medianBytes: 6000 },
  { domain: 'outlook.office365.com', cname: ['outlook.ha.office365.com', 'outlook.ms-acdc.office.com'], a: ['52.97.201.194', '52.97.186.114', '40.99.150.34', '52.98.152.178'], perAnswer: 4, ttl: 30, weight: 14, medianBytes: 12000 },
  { domain: 'www.office.com', cname: ['www.office.com.edgekey.net', 'e13678.dscb.akamaiedge.net'], a: ['2.18.234.110', '2.18.234.122'], perAnswer: 2, ttl: 20, weight: 6, medianBytes: 25000, subs: ['res.cdn.office.net'] },
  { domain: 'res.cdn.office.net', cname: ['res-1.cdn.office.net', 'res-1.cdn.office.net.edgesuite.net', 'a1894.dscb.akamai.net'], a: ['2.16.241.19', '2.16.241.9'], perAnswer: 2, ttl: 60, weight: 0, medianBytes: 40000 },
  { domain: 'teams.microsoft.com', cname: ['teams-office-com.s-0005.dc-msedge.net', 's-0005.dc-msedge.net'], a: ['52.113.194.132', '52.112.120.204'], perAnswer: 1, ttl: 240, weight: 6, medianBytes: 15000 },
  { domain: 'github.com', a: ['140.82.121.3', '140.82.121.4'], perAnswer: 1, ttl: 60, weight: 5, medianBytes: 40000, subs: ['github.githubassets.com', 'avatars.githubusercontent.com'] },
  { domain: 'github.githubassets.com', a: ['185.199.108.154', '185.199.109.154', '185.199.110.154', '185.199.111.154'], aaaa: ['2606:50c0:8000::154', '2606:50c0:8001::154'], perAnswer: 4, ttl: 3600, weight: 0, medianBytes: 30000 },
  { domain: 'avatars.githubusercontent.com', a: ['185.199.108.133', '185.199.109.133', '185.199.110.133', '185.199.111.133'], perAnswer: 4, ttl: 3600, weight: 0, medianBytes: 6000 },
  { domain: 'www.wikipedia.org', cname: ['dyna.wikimedia.org'], a: ['185.15.59.224'], aaaa: ['2a02:ec80:300:ed1a::1'], perAnswer: 1, ttl: 600, weight: 5, medianBytes: 45000, subs: ['upload.wikimedia.org'] },
  { domain: 'upload.wikimedia.org', a: ['185.15.59.240'], aaaa: ['2a02:ec80:300:ed1a::2:b'], perAnswer: 1, ttl: 600, weight: 0, medianBytes: 35000 },
  { domain: 'www.bbc.co.uk', cname: ['www.bbc.co.uk.pri.bbc.co.uk', 'uk.www.bbc.co.uk.pri.bbc.co.uk'], a: ['151.101.0.81', '151.101.64.81', '151.101.128.81', '151.101.192.81'], perAnswer: 4, ttl: 300, weight: 4, medianBytes: 60000, subs: ['static.files.bbci.co.uk', 'ichef.bbci.co.uk'] },
  { domain: 'static.files.bbci.co.uk', a: ['151.101.2.111', '151.101.66.111'], perAnswer: 2, ttl: 300, weight: 0, medianBytes: 30000 },
  { domain: 'ichef.bbci.co.uk', a: ['151.101.2.108', '151.101.130.108'], perAnswer: 2, ttl: 300, weight: 0, medianBytes: 25000 },
  { domain: 'www.nytimes.com', cname: ['nytimes.map.fastly.net'], a: ['151.101.1.164', '151.101.65.164', '151.101.129.164', '151.101.193.164'], perAnswer: 4, ttl: 120, weight: 3, medianBytes: 70000, subs: ['static01.nyt.com'] },
  { domain: 'static01.nyt.com', cname: ['nytimes.map.fastly.net'], a: ['151.101.1.164', '151.101.65.164'], perAnswer: 2, ttl: 120, weight: 0, medianBytes: 40000 },
  { domain: 'cdn.jsdelivr.net', cname: ['jsdelivr.map.fastly.net'], a: ['151.101.1.229', '151.101.65.229', '151.101.129.229', '151.101.193.229'], aaaa: ['2a04:4e42::485', '2a04:4e42:200::485'], perAnswer: 4, ttl: 60, weight: 0, medianBytes: 15000 },
  { domain: 'www.amazon.com', cname: ['tp.47cf2c8c9-frontier.amazon.com', 'd3ag4hukkh62yn.cloudfront.net'], a: ['18.66.196.101', '18.66.196.35', '18.66.196.63', '18.66.196.7'], perAnswer: 4, ttl: 60, weight: 4, medianBytes: 80000, subs: ['m.media-amazon.com'] },
  { domain: 'm.media-amazon.com', cname: ['media.amazon.map.fastly.net'], a: ['151.101.2.16', '151.101.66.16', '151.101.130.16'], perAnswer: 3, ttl: 300, weight: 0, medianBytes: 30000 },
  { domain: 'www.linkedin.com', cname: ['www-linkedin-com.l-0005.l-msedge.net', 'l-0005.l-msedge.net'], a: ['13.107.42.14'], aaaa: ['2620:1ec:21::14'], perAnswer: 1, ttl: 300, weight: 4, medianBytes: 50000, subs: ['static.licdn.com'] },
  { domain: 'static.licdn.com', cname: ['static.licdn.com.edgekey.net', 'e9126.x.akamaiedge.net'], a: ['2.22.59.132', '2.22.59.141'], perAnswer: 2, ttl: 60, weight: 0, medianBytes: 30000 },
  { domain: 'stackoverflow.com', a: ['104.18.32.7', '172.64.155.249'], aaaa: ['2606:4700:4400::6812:2007'], perAnswer: 2, ttl: 300, weight: 4, medianBytes: 45000, subs: ['cdn.sstatic.net', 'cdn.jsdelivr.net'] },
  { domain: 'cdn.sstatic.net', a: ['104.18.41.41', '172.64.146.215'], perAnswer: 2, ttl: 300, weight: 0, medianBytes: 20000 },
  { domain: 'www.reddit.com', cname: ['reddit.map.fastly.net'], a: ['151.101.1.140', '151.101.65.140', '151.101.129.140', '151.101.193.140'], perAnswer: 4, ttl: 300, weight: 3, medianBytes: 60000 },
  { domain: 'news.ycombinator.com', a: ['209.216.230.207'], perAnswer: 1, ttl: 300, weight: 2, medianBytes: 9000, tls12Issuer: 'R11' },
  { domain: 'slack.com', a: ['3.66.109.29', '18.184.157.8', '3.73.227.12'], perAnswer: 3, ttl: 60, weight: 3, medianBytes: 20000, subs: ['a.slack-edge.com'] },
  { domain: 'a.slack-edge.com', cname: ['a.slack-edge.com.edgekey.net', 'e3520.a.akamaiedge.net'], a: ['23.60.215.72', '23.60.215.81'], perAnswer: 2, ttl: 60, weight: 0, medianBytes: 25000 },
  { domain: 'zoom.us', a: ['170.114.52.2'], perAnswer: 1, ttl: 60, weight: 2, medianBytes: 20000, tls12Issuer: 'DigiCert Global G2 TLS RSA SHA256 2020 CA1' },
  { domain: 'www.salesforce.com', cname: ['www.salesforce.com.edgekey.net', 'e3416.a.akamaiedge.net'], a: ['23.62.99.32', '23.62.99.49'], perAnswer: 2, ttl: 20, weight: 2, medianBytes: 50000 },
  { domain: 'docs.python.org', cname: ['dualstack.python.map.fastly.net'], a: ['151.101.0.223', '151.101.64.223'], aaaa: ['2a04:4e42::223'], perAnswer: 2, ttl: 60, weight: 2, medianBytes: 35000 },
  { domain: 'www.weather.com', cname: ['www.weather.com.edgekey.net', 'e8349.b.akamaiedge.net'], a: ['23.205.219.174'], perAnswer: 1, ttl: 60, weight: 2, medianBytes: 50000, tls12Issuer: 'DigiCert TLS RSA SHA256 2020 CA1' },
  { domain: 'www.msn.com', cname: ['www-msn-com.a-0003.a-msedge.net', 'a-0003.a-msedge.net'], a: ['204.79.197.203'], perAnswer: 1, ttl: 300, weight: 3, medianBytes: 60000, subs: ['img-s-msn-com.akamaized.net'] },
  { domain: 'img-s-msn-com.akamaized.net', cname: ['a1887.dscq.akamai.net'], a: ['2.16.106.57', '2.16.106.40'], perAnswer: 2, ttl: 20, weight: 0, medianBytes: 25000 },
  // Services used by background software (weight 0: not browsed).
  { domain: 'v10.events.data.microsoft.com', cname: ['global.asimov.events.data.trafficmanager.net', 'onedscolprdeus04.eastus.cloudapp.azure.com'], a: ['20.42.65.92', '20.42.73.29', '20.189.173.11'], perAnswer: 1, ttl: 120, weight: 0, medianBytes: 300 },
  { domain: 'settings-win.data.microsoft.com', cname: ['atm-settingsfe-prod-geo2.trafficmanager.net', 'settings-prod-neu-2.northeurope.cloudapp.azure.com'], a: ['20.54.89.106', '51.104.136.2'], perAnswer: 1, ttl: 60, weight: 0, medianBytes: 2000 },
  { domain: 'update.googleapis.com', a: ['142.250.185.99', '142.250.186.67'], perAnswer: 1, ttl: 300, weight: 0, medianBytes: 800 },
  { domain: 'client.dropbox.com', cname: ['client.dropbox-dns.com'], a: ['162.125.21.3', '162.125.21.2'], perAnswer: 1, ttl: 60, weight: 0, medianBytes: 400 },
  { domain: 'wss-primary.slack.com', a: ['3.68.124.168', '52.57.161.181'], perAnswer: 1, ttl: 60, weight: 0, medianBytes: 200 },
  { domain: 'www.msftconnecttest.com', cname: ['www.msftncsi.com.edgesuite.net', 'a1961.g2.akamai.net'], a: ['23.215.0.136', '23.215.0.138'], perAnswer: 2, ttl: 20, weight: 0, medianBytes: 22 },
  { domain: 'ctldl.windowsupdate.com', cname: ['wu-bg-shim.trafficmanager.net', 'download.windowsupdate.com.edgesuite.net', 'a767.dspw65.akamai.net'], a: ['23.55.161.19', '23.55.161.27'], perAnswer: 2, ttl: 60, weight: 0, medianBytes: 6000 },
  { domain: 'liveupdate.shieldav.net', a: ['45.60.110.41', '45.60.110.43'], perAnswer: 1, ttl: 3600, weight: 0, medianBytes: 250 },
  { domain: 'time.windows.com', cname: ['twc.trafficmanager.net'], a: ['168.61.215.74', '20.101.57.9'], perAnswer: 1, ttl: 300, weight: 0, medianBytes: 48 },
  { domain: '2.debian.pool.ntp.org', a: ['162.159.200.1', '185.125.190.58', '195.201.19.162', '94.130.184.193'], perAnswer: 4, ttl: 150, weight: 0, medianBytes: 48 },
  { domain: 'ssh.cloud-admin.example.net', a: ['198.51.100.24'], perAnswer: 1, ttl: 3600, weight: 0, medianBytes: 200 },
];

/** The sites a browsing user picks from, with their weights. */
export const BROWSED = SITES.filter((s) => s.weight > 0);

/** Site by domain. */
export const SITE_BY_NAME = new Map(SITES.map((s) => [s.domain, s]));
