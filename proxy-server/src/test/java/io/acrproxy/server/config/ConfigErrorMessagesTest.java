package io.acrproxy.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every kind of error, each in a config that has only that error, with its exact message. These are the
 * messages docs/configuration.md documents; "HASH" stands for a well-formed password hash.
 */
class ConfigErrorMessagesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            # unknown keys, at any depth, listing the valid keys
            lisen: {port: 1}   | lisen: unknown key, did you mean "listen"? (expected: one of listen, listenTls, admin, cloud, mode, registries, endpointFiles, allowRegistryApex, blobStorage, presets, iotHubs, extraHosts, ports, sni, serviceTags, destinations, resolver, clients, auth, limits, timeouts, revokeOnReload, transport, relay, parents, routes, clientGroups)
            Registries: []     | Registries: unknown key, did you mean "registries"? (expected: one of listen, listenTls, admin, cloud, mode, registries, endpointFiles, allowRegistryApex, blobStorage, presets, iotHubs, extraHosts, ports, sni, serviceTags, destinations, resolver, clients, auth, limits, timeouts, revokeOnReload, transport, relay, parents, routes, clientGroups)
            sni: {timeout: 2s} | sni.timeout: unknown key (expected: one of required, inspectTimeout, maxClientHelloBytes)
            registries: [{name: myregistry, region: eastus}] | registries[0].region: unknown key (expected: one of name, dataEndpointRegions, regionalEndpointRegions)
            registries: [{name: myregistry, dataEndpointRegion: [eastus]}] | registries[0].dataEndpointRegion: unknown key, did you mean "dataEndpointRegions"? (expected: one of name, dataEndpointRegions, regionalEndpointRegions)
            auth: {users: [{name: edge, password: x, passwordHash: HASH}]} | auth.users[0].password: unknown key (expected: one of name, passwordHash)
            `resolver: {hosts: {}, "time out": 5s}` | resolver["time out"]: unknown key, did you mean "timeout"? (expected: one of hosts, timeout, servers)

            # wrong types
            listen: {port: abc}          | listen.port: got "abc" (expected: an integer)
            listen: {port: '3128'}       | listen.port: got "3128" (expected: an integer)
            listen: {port: 3.5}          | listen.port: got 3.5 (expected: an integer)
            listen: {port: 99999999999}  | listen.port: 99999999999 is out of range (expected: an integer from -2147483648 to 2147483647)
            listen: [1, 2]               | listen: got a list (expected: a map with keys address, port, proxyProtocol, logProbes)
            listen: 3128                 | listen: got 3128 (expected: a map with keys address, port, proxyProtocol, logProbes)
            listen: ''                   | listen: got "" (expected: a map with keys address, port, proxyProtocol, logProbes)
            registries: {name: myregistry} | registries: got a map (expected: a list)
            registries: myregistry       | registries: got "myregistry" (expected: a list)
            registries: [myregistry]     | registries[0]: got "myregistry" (expected: a map with keys name, dataEndpointRegions, regionalEndpointRegions)
            registries: [null]           | registries[0]: got null (expected: a map with keys name, dataEndpointRegions, regionalEndpointRegions)
            registries: [{name: [a]}]    | registries[0].name: got a list (expected: a string)
            extraHosts: [example.com, null] | extraHosts[1]: got null (expected: a string)
            extraHosts: example.com      | extraHosts: got "example.com" (expected: a list)
            ports: [[443]]               | ports[0]: got a list (expected: an integer)
            ports: 443                   | ports: got 443 (expected: a list)
            revokeOnReload: 'yes'        | revokeOnReload: got "yes" (expected: true or false)
            transport: kqueue            | transport: "kqueue" is not a transport (expected: auto, epoll, io_uring or nio)
            transport: [nio]             | transport: got a list (expected: a string)
            sni: {required: 1}           | sni.required: got 1 (expected: true or false)
            mode: on                     | mode: got true (expected: a string; YAML reads unquoted on, off, yes and no as booleans)
            resolver: {hosts: [a]}       | resolver.hosts: got a list (expected: a map)
            resolver: {hosts: {a.example: null}} | resolver.hosts["a.example"]: got null (expected: an IP address or a list of IP addresses)
            - registries                 | the file holds a list (expected: a map of settings, e.g. registries: [{name: myregistry}])
            just text                    | the file holds "just text" (expected: a map of settings, e.g. registries: [{name: myregistry}])

            # listen and admin
            listen: {address: proxy.local} | listen.address: "proxy.local" is not an IP address or localhost (expected: an IP address such as 0.0.0.0, :: or 127.0.0.1, or localhost)
            listen: {address: '[::]'}    | listen.address: "[::]" is not an IP address or localhost (expected: an IP address such as 0.0.0.0, :: or 127.0.0.1, or localhost)
            listen: {address: 127.1}     | listen.address: "127.1" is not an IP address or localhost (expected: an IP address such as 0.0.0.0, :: or 127.0.0.1, or localhost)
            listen: {port: 0}            | listen.port: 0 is not a port (expected: 1-65535)
            admin: {port: 65536}         | admin.port: 65536 is not a port (expected: 1-65535)
            admin: {address: 0.0.0.0, port: 3128} | admin.port: 3128 is already used by listen (0.0.0.0:3128) (expected: a port of its own)
            `listen: {address: '::', port: 9090}` | admin.port: 9090 is already used by listen ([::]:9090) (expected: a port of its own)

            # cloud and mode
            cloud: Azure                 | cloud: "Azure" is not a cloud (expected: AzureCloud, AzureChinaCloud or AzureUSGovernment)
            mode: audit                  | mode: "audit" is not a mode (expected: enforce or report)
            mode: Enforce                | mode: "Enforce" is not a mode (expected: enforce or report)

            # registries
            registries: [{name: myregistry}, {name: My_Reg}] | registries[1].name: "My_Reg" is not a valid registry name (5-50 lowercase letters and digits)
            registries: [{name: abcd}]   | registries[0].name: "abcd" is not a valid registry name (5-50 lowercase letters and digits)
            registries: [{name: MyRegistry}] | registries[0].name: "MyRegistry" is not a valid registry name (5-50 lowercase letters and digits)
            registries: [{name: my-registry}] | registries[0].name: "my-registry" is not a valid registry name (5-50 lowercase letters and digits)
            registries: [{name: contoso.azurecr.io}] | registries[0].name: "contoso.azurecr.io" is a host name, not a registry name (expected: the registry's name alone, contoso)
            registries: [{name: contoso.westeurope.data.azurecr.cn}] | registries[0].name: "contoso.westeurope.data.azurecr.cn" is a host name, not a registry name (expected: the registry's name alone, contoso)
            registries: [{name: a23456789012345678901234567890123456789012345678901}] | registries[0].name: "a23456789012345678901234567890123456789012345678901" is not a valid registry name (5-50 lowercase letters and digits)
            registries: [{dataEndpointRegions: [eastus]}] | registries[0].name: is missing (expected: a registry name of 5-50 lowercase letters and digits)
            registries: [{name: myregistry}, {name: myregistry}] | registries[1].name: "myregistry" is listed twice, also at registries[0] (expected: one entry per registry, listing all its regions)
            registries: [{name: myregistry, dataEndpointRegions: [east us]}] | registries[0].dataEndpointRegions[0]: "east us" is not a valid region (a DNS label such as eastus, or "*" for any one label)
            registries: [{name: myregistry, regionalEndpointRegions: [eastus.geo]}] | registries[0].regionalEndpointRegions[0]: "eastus.geo" is not a valid region (a DNS label such as eastus, or "*" for any one label)
            registries: [{name: myregistry, dataEndpointRegions: ['*.eastus']}] | registries[0].dataEndpointRegions[0]: "*.eastus" is not a valid region (a DNS label such as eastus, or "*" for any one label)
            registries: [{name: myregistry, dataEndpointRegions: ['-east']}] | registries[0].dataEndpointRegions[0]: "-east" is not a valid region (a DNS label such as eastus, or "*" for any one label)

            # endpointFiles: local paths only
            endpointFiles: ['https://example.com/e.json'] | endpointFiles[0]: "https://example.com/e.json" is a URL (expected: a file path)
            endpointFiles: ['']          | endpointFiles[0]: is empty (expected: a file path)
            `endpointFiles: ["a\\0b.json"]` | endpointFiles[0]: "a\\x00b.json" is not a valid file path (Nul character not allowed)
            `endpointFiles: ["a\\tb.json"]` | endpointFiles[0]: "a\\x09b.json" is not a valid file path (control characters are not allowed)
            `serviceTags: {source: "tags.json\\x0a", tags: [AzureCloud]}` | serviceTags.source: "tags.json\\x0a" is not a valid file path (control characters are not allowed)

            # blobStorage
            blobStorage: {mode: some}    | blobStorage.mode: "some" is not a blob storage mode (expected: none, accounts or any)
            blobStorage: {mode: accounts} | blobStorage.accounts: is empty (expected: at least one storage account name when blobStorage.mode is accounts)
            blobStorage: {mode: accounts, accounts: [My-Acct]} | blobStorage.accounts[0]: "My-Acct" is not a valid storage account name (3-24 lowercase letters and digits)
            blobStorage: {mode: accounts, accounts: [ab]} | blobStorage.accounts[0]: "ab" is not a valid storage account name (3-24 lowercase letters and digits)
            blobStorage: {mode: accounts, accounts: [a234567890123456789012345]} | blobStorage.accounts[0]: "a234567890123456789012345" is not a valid storage account name (3-24 lowercase letters and digits)

            # presets and iotHubs
            presets: [docker]            | presets[0]: "docker" is not a preset (expected: mcr or iot-edge)
            presets: [MCR]               | presets[0]: "MCR" is not a preset (expected: mcr or iot-edge)
            presets: [iot-edge]\\niotHubs: ['-myhub'] | iotHubs[0]: "-myhub" is not a valid IoT Hub name (3-50 letters, digits and hyphens, not starting or ending with a hyphen)
            presets: [iot-edge]\\niotHubs: [ab] | iotHubs[0]: "ab" is not a valid IoT Hub name (3-50 letters, digits and hyphens, not starting or ending with a hyphen)
            presets: [iot-edge]\\niotHubs: [my_hub] | iotHubs[0]: "my_hub" is not a valid IoT Hub name (3-50 letters, digits and hyphens, not starting or ending with a hyphen)

            # extraHosts (design §6.3)
            extraHosts: ['*']            | extraHosts[0]: "*" is not a valid pattern: "*" must be followed by a suffix (expected: a host name such as example.com, or *.example.com)
            extraHosts: ['*.']           | extraHosts[0]: "*." is not a valid pattern: "*" must be followed by a suffix (expected: a host name such as example.com, or *.example.com)
            extraHosts: ['*.*.io']       | extraHosts[0]: "*.*.io" is not a valid pattern: "*" may only be the whole first label (expected: a host name such as example.com, or *.example.com)
            extraHosts: ['a*.io']        | extraHosts[0]: "a*.io" is not a valid pattern: "*" may only be the whole first label (expected: a host name such as example.com, or *.example.com)
            extraHosts: ['x.*']          | extraHosts[0]: "x.*" is not a valid pattern: "*" may only be the whole first label (expected: a host name such as example.com, or *.example.com)
            extraHosts: ['**.io']        | extraHosts[0]: "**.io" is not a valid pattern: "*" may only be the whole first label (expected: a host name such as example.com, or *.example.com)
            extraHosts: ['exa mple.com'] | extraHosts[0]: "exa mple.com" contains whitespace (expected: a host name such as example.com, or *.example.com)
            extraHosts: [' example.com'] | extraHosts[0]: " example.com" contains whitespace (expected: a host name such as example.com, or *.example.com)
            `extraHosts: ["a\\x01b.com"]` | extraHosts[0]: "a\\x01b.com" contains a control character (0x01) (expected: a host name such as example.com, or *.example.com)
            extraHosts: ['*.exa mple.com'] | extraHosts[0]: "*.exa mple.com" has an invalid suffix: "exa mple.com" contains whitespace (expected: a host name such as example.com, or *.example.com)
            extraHosts: [a..b.com]       | extraHosts[0]: "a..b.com" has an empty label (expected: a host name such as example.com, or *.example.com)
            extraHosts: ['https://example.com'] | extraHosts[0]: "https://example.com" contains ':' (allowed: letters, digits, '-', '_' and '.') (expected: a host name such as example.com, or *.example.com)
            extraHosts: [20.1.2.3]       | extraHosts[0]: "20.1.2.3" is an IP address (expected: a host name; use serviceTags.allowIpLiterals for addresses)
            extraHosts: ['2001:db8::1']  | extraHosts[0]: "2001:db8::1" is an IP address (expected: a host name; use serviceTags.allowIpLiterals for addresses)
            extraHosts: [0x7f000001]     | extraHosts[0]: "2130706433" looks like a number but is not a dotted-quad IPv4 address (expected: a host name such as example.com, or *.example.com)

            # ports
            ports: []                    | ports: is empty (expected: at least one port, e.g. [443])
            ports: [443, 80, 443]        | ports[2]: 443 is listed twice (expected: distinct ports)
            ports: [0]                   | ports[0]: 0 is not a port (expected: 1-65535)
            ports: [443, 70000]          | ports[1]: 70000 is not a port (expected: 1-65535)

            # sni, durations
            sni: {maxClientHelloBytes: 10}        | sni.maxClientHelloBytes: 10 is out of range (expected: an integer from 64 to 16777216)
            sni: {maxClientHelloBytes: 20000000}  | sni.maxClientHelloBytes: 20000000 is out of range (expected: an integer from 64 to 16777216)
            relay: {maxSplicePipes: -1}           | relay.maxSplicePipes: -1 is negative (expected: an integer of 0 or more)
            limits: {maxMemoryPercent: 0}         | limits.maxMemoryPercent: 0 is out of range (expected: an integer from 1 to 100)
            limits: {maxMemoryPercent: 101}       | limits.maxMemoryPercent: 101 is out of range (expected: an integer from 1 to 100)
            sni: {inspectTimeout: 10}    | sni.inspectTimeout: "10" is not a duration (expected: a whole number and a unit: ms, s, m or h, e.g. 10s)
            sni: {inspectTimeout: 1.5s}  | sni.inspectTimeout: "1.5s" is not a duration (expected: a whole number and a unit: ms, s, m or h, e.g. 10s)
            sni: {inspectTimeout: 10 s}  | sni.inspectTimeout: "10 s" is not a duration (expected: a whole number and a unit: ms, s, m or h, e.g. 10s)
            sni: {inspectTimeout: 1d}    | sni.inspectTimeout: "1d" is not a duration (expected: a whole number and a unit: ms, s, m or h, e.g. 10s)
            sni: {inspectTimeout: 10S}   | sni.inspectTimeout: "10S" is not a duration (expected: a whole number and a unit: ms, s, m or h, e.g. 10s)
            sni: {inspectTimeout: 1h30m} | sni.inspectTimeout: "1h30m" is not a duration (expected: a whole number and a unit: ms, s, m or h, e.g. 10s)
            sni: {inspectTimeout: -5s}   | sni.inspectTimeout: "-5s" is not a duration (expected: a whole number and a unit: ms, s, m or h, e.g. 10s)
            sni: {inspectTimeout: 1234567890s} | sni.inspectTimeout: "1234567890s" is not a duration (expected: a whole number and a unit: ms, s, m or h, e.g. 10s)
            sni: {inspectTimeout: 0s}    | sni.inspectTimeout: "0s" is not positive (expected: a duration above zero, e.g. 10s)
            sni: {maxClientHelloBytes: 0} | sni.maxClientHelloBytes: 0 is out of range (expected: an integer from 64 to 16777216)

            # serviceTags
            serviceTags: {source: 'http://example.com/t.json', tags: [Storage]} | serviceTags.source: "http://example.com/t.json" is a plain http URL (expected: a file path or an https:// URL)
            serviceTags: {source: 'ftp://example.com/t.json', tags: [Storage]} | serviceTags.source: "ftp://example.com/t.json" has the unsupported scheme ftp (expected: a file path or an https:// URL)
            serviceTags: {source: 'https:///t.json', tags: [Storage]} | serviceTags.source: "https:///t.json" has no host (expected: a file path or an https:// URL)
            serviceTags: {source: 'https://exa mple.com/t.json', tags: [Storage]} | serviceTags.source: "https://exa mple.com/t.json" is not a valid URL (expected: a file path or an https:// URL)
            serviceTags: {source: '', tags: [Storage]} | serviceTags.source: is empty (expected: a file path or an https:// URL)
            serviceTags: {source: tags.json} | serviceTags.tags: is empty (expected: at least one tag when serviceTags.source is set, e.g. [AzureContainerRegistry.EastUS])
            serviceTags: {source: tags.json, tags: ['Azure Cloud']} | serviceTags.tags[0]: "Azure Cloud" is not a service tag name (expected: a values[].name of the service-tags file, e.g. AzureContainerRegistry.EastUS)
            serviceTags: {allowIpLiterals: true} | serviceTags.allowIpLiterals: needs serviceTags.source and serviceTags.tags (expected: false, or a source and at least one tag)
            serviceTags: {verifyResolved: true}  | serviceTags.verifyResolved: needs serviceTags.source and serviceTags.tags (expected: false, or a source and at least one tag)
            serviceTags: {refreshInterval: daily} | serviceTags.refreshInterval: "daily" is not a duration (expected: a whole number and a unit: ms, s, m or h, e.g. 10s)
            serviceTags: {source: t.json, tags: [Storage], cacheFile: 'https://x/c.json'} | serviceTags.cacheFile: "https://x/c.json" is a URL (expected: a file path)

            # destinations
            destinations: {denyRanges: none} | destinations.denyRanges: "none" is not valid (expected: default, or a list of CIDR prefixes)
            destinations: {denyRanges: 5}    | destinations.denyRanges: got 5 (expected: default, or a list of CIDR prefixes)
            destinations: {denyRanges: {a: b}} | destinations.denyRanges: got a map (expected: default, or a list of CIDR prefixes)
            destinations: {denyRanges: [{a: 1}]} | destinations.denyRanges[0]: got a map (expected: a CIDR prefix such as 10.0.0.0/8)
            destinations: {denyRanges: [null]} | destinations.denyRanges[0]: got null (expected: a CIDR prefix such as 10.0.0.0/8)
            destinations: {allowPrivate: no-thanks} | destinations.allowPrivate: got "no-thanks" (expected: true or false)

            # resolver
            `resolver: {hosts: {"bad name": 10.0.0.1}}` | resolver.hosts["bad name"]: "bad name" contains whitespace (expected: a host name)
            resolver: {hosts: {10.0.0.1: 10.0.0.2}} | resolver.hosts["10.0.0.1"]: "10.0.0.1" is an IP address, not a host name (expected: a host name)
            resolver: {hosts: {registry.local: 10.0.0.300}} | resolver.hosts["registry.local"]: "10.0.0.300" is not an IP address (expected: an IP address such as 10.1.2.3 or fd00::1)
            resolver: {hosts: {registry.local: registry2.local}} | resolver.hosts["registry.local"]: "registry2.local" is not an IP address (expected: an IP address such as 10.1.2.3 or fd00::1)
            resolver: {hosts: {registry.local: []}} | resolver.hosts["registry.local"]: is empty (expected: at least one IP address)
            resolver: {hosts: {registry.local: {a: b}}} | resolver.hosts["registry.local"]: got a map (expected: an IP address or a list of IP addresses)
            resolver: {hosts: {registry.local: [10.0.0.1, 7]}} | resolver.hosts["registry.local"][1]: got 7 (expected: an IP address such as 10.1.2.3)
            resolver: {hosts: {registry.local: [10.0.0.1, x]}} | resolver.hosts["registry.local"][1]: "x" is not an IP address (expected: an IP address such as 10.1.2.3 or fd00::1)
            resolver: {hosts: {Registry.Local: 10.0.0.1, registry.local.: 10.0.0.2}} | resolver.hosts["registry.local."]: "registry.local" is listed twice (expected: each host once)
            resolver: {servers: 10.0.0.10:53} | resolver.servers: got "10.0.0.10:53" (expected: a list)
            resolver: {servers: [10.0.0.10]} | resolver.servers[0]: "10.0.0.10" has no port (expected: address:port such as 10.0.0.10:53 or [fd00::53]:53)
            resolver: {servers: ['dns.example:53']} | resolver.servers[0]: "dns.example:53" does not start with an IP address (expected: address:port such as 10.0.0.10:53 or [fd00::53]:53)
            resolver: {servers: ['10.0.0.10:0']} | resolver.servers[0]: "10.0.0.10:0" has no port from 1 to 65535 (expected: address:port such as 10.0.0.10:53 or [fd00::53]:53)
            resolver: {servers: ['10.0.0.10:65536']} | resolver.servers[0]: "10.0.0.10:65536" has no port from 1 to 65535 (expected: address:port such as 10.0.0.10:53 or [fd00::53]:53)
            resolver: {servers: ['fd00::53:53']} | resolver.servers[0]: "fd00::53:53" has an IPv6 address without brackets (expected: address:port such as 10.0.0.10:53 or [fd00::53]:53)
            resolver: {servers: ['[10.0.0.10]:53']} | resolver.servers[0]: "[10.0.0.10]:53" has an IPv4 address in brackets (expected: address:port such as 10.0.0.10:53 or [fd00::53]:53)
            resolver: {servers: [':53']} | resolver.servers[0]: ":53" has no port (expected: address:port such as 10.0.0.10:53 or [fd00::53]:53)
            resolver: {timeout: 0ms}     | resolver.timeout: "0ms" is not positive (expected: a duration above zero, e.g. 10s)

            # auth
            `auth: {realm: 'say "hi"'}`  | auth.realm: "say \\x22hi\\x22" cannot be sent as a realm (expected: printable ASCII without quotes or backslashes)
            auth: {realm: ''}            | auth.realm: "" cannot be sent as a realm (expected: printable ASCII without quotes or backslashes)
            auth: {users: [{name: edge}]} | auth.users[0].passwordHash: is missing (expected: the output of hash-password, pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>)
            auth: {users: [{passwordHash: HASH}]} | auth.users[0].name: is missing (expected: a user name)
            auth: {users: [{name: '', passwordHash: HASH}]} | auth.users[0].name: is empty (expected: a user name)
            auth: {users: [{name: 'edge:1', passwordHash: HASH}]} | auth.users[0].name: "edge:1" contains ':' (expected: a user name without ':', which Basic authentication uses as a separator)
            `auth: {users: [{name: "ed\\tge", passwordHash: HASH}]}` | auth.users[0].name: "ed\\x09ge" contains a control character (expected: a user name)
            auth: {users: [{name: edge, passwordHash: HASH}, {name: edge, passwordHash: HASH}]} | auth.users[1].name: "edge" is listed twice, also at auth.users[0] (expected: distinct user names)
            auth: {users: [{name: edge, passwordHash: s3cret}]} | auth.users[0].passwordHash: is not of the form pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash> (expected: the output of hash-password)
            auth: {users: [{name: edge, passwordHash: 'pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='}]} | auth.users[0].passwordHash: has 1000 iterations, outside 10000-10000000 (expected: the output of hash-password)

            # listenTls (its files' own problems: ServerCertificateTest)
            listenTls: {keyFile: tls/proxy.key} | listenTls.certFile: is missing (expected: the PEM certificate chain)
            listenTls: {certFile: tls/proxy.crt, keyFile: tls/proxy.key, requireClientCert: true} | listenTls.requireClientCert: is true without clientCaFile (expected: clientCaFile, the CAs that issue the client certificates)
            listenTls: {port: 3128, certFile: tls/proxy.crt, keyFile: tls/proxy.key} | listenTls.port: 3128 is already used by listen (0.0.0.0:3128) (expected: a port of its own)
            listenTls: {certFile: tls/proxy.crt, keyFile: tls/proxy.key} | listenTls.certFile: /etc/acr-egress-proxy/tls/proxy.crt: does not exist
            listenTls: {certFile: tls/proxy.crt, keyFile: tls/proxy.key, clientCaFile: 'https://ca.example/ca.pem'} | listenTls.clientCaFile: "https://ca.example/ca.pem" is a URL (expected: a file path)

            # limits and timeouts
            limits: {maxConnections: 0}  | limits.maxConnections: 0 is not positive (expected: an integer above 0)
            limits: {maxConnectionsPerClient: -1} | limits.maxConnectionsPerClient: -1 is not positive (expected: an integer above 0)
            limits: {maxHeaderBytes: 0}  | limits.maxHeaderBytes: 0 is not positive (expected: an integer above 0)
            timeouts: {requestHeader: 10x} | timeouts.requestHeader: "10x" is not a duration (expected: a whole number and a unit: ms, s, m or h, e.g. 10s)
            timeouts: {upstreamConnect: 0s} | timeouts.upstreamConnect: "0s" is not positive (expected: a duration above zero, e.g. 10s)
            timeouts: {idle: forever}    | timeouts.idle: "forever" is not a duration (expected: a whole number and a unit: ms, s, m or h, e.g. 10s)
            timeouts: {drain: ''}        | timeouts.drain: "" is not a duration (expected: a whole number and a unit: ms, s, m or h, e.g. 10s)
            revokeOnReload: [true]       | revokeOnReload: got a list (expected: true or false)
            relay: {spliceAfterBytes: 0} | relay.spliceAfterBytes: 0 is not positive (expected: an integer above 0)
            """)
    void reportsTheDocumentedMessage(String yaml, String expected) {
        String config = "registries: [{name: myregistry}]\n" + yaml.replace("\\n", "\n").replace("HASH", "'" + Configs.HASH + "'");
        if (yaml.contains("registries") || yaml.startsWith("- ") || yaml.equals("just text")) {
            config = yaml.replace("\\n", "\n");
        }

        assertThat(Configs.errors(config)).containsExactly(expected);
    }
}
