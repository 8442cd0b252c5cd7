using System.Globalization;
using System.Runtime.InteropServices;
using K8sServiceAccount.LocalApiServer.Faults;

namespace K8sServiceAccount.LocalApiServer;

/// <summary>Command-line entry point: parses options, starts the server, waits for SIGINT/SIGTERM.</summary>
public static class Program
{
    private const string Usage = """
        Local Kubernetes API server for tests, benchmarks and demos (ServiceAccounts, tokens, RBAC).

        Usage: K8sServiceAccount.LocalApiServer [options]

        Options:
          --port PORT                  TCP port on 127.0.0.1 (default 0: a free port).
          --kubeconfig FILE            Write an admin kubeconfig here when ready (user admin, group
                                       system:masters, client certificate). Default: a file in a
                                       temporary directory, printed at start.
          --state-dir DIR              Keep the CA and the token signing key in DIR across runs
                                       (default: fresh keys every run). Objects are never persisted.
          --token TOKEN=USER[:G1,G2]   Accept bearer TOKEN as USER in groups G1, G2 (repeatable; the
                                       first ':' ends the user name).
          --issuer URL                 ServiceAccount token issuer (default
                                       https://kubernetes.default.svc.cluster.local).
          --api-audience AUD           API audience (repeatable; default: the issuer).
          --max-token-expiration SEC   Shorten TokenRequests above SEC seconds to SEC, with the
                                       Warning header managed clusters send (default: no cap).
          --anonymous-auth true|false  Serve requests without credentials as system:anonymous
                                       (default true, as kube-apiserver); false answers 401.
          --no-token-controller        Do not run the token controller: service-account-token Secrets
                                       stay as created, never filled (as kube-controller-manager
                                       without its serviceaccount-token controller).
          --latency MS                 Add MS milliseconds to every request (default 0).
          --jitter MS                  Add a random 0..MS milliseconds on top (default 0).
          --error-rate R               Answer a share R (0..1) of requests with 500 (default 0).
          --throttle-rate R            Answer a share R of requests with 429 + Retry-After (default 0).
          --retry-after SEC            Retry-After of injected 429s (default 1).
          --drop-rate R                Drop the connection of a share R of requests (default 0).
          --verbose                    Write internal errors to standard error.
          --capture-bodies DIR         Write every request body to DIR with its Content-Type and
                                       Accept (debugging, e.g. capturing what a kubectl sends).
          --request-log FILE           Append "METHOD path?query" for every request to FILE.
          --secrets-log FILE           Append every token and client key the server issues (and the
                                       --token tokens) to FILE, one "KIND<TAB>BASE64" line each, for
                                       secrets scans of what clients print (test support; off by default).
          --help                       Show this text.

        Fault settings and controllers can also be read and replaced at run time by a system:masters identity:
          GET/PUT /admin/faults  {"latencyMilliseconds":0,"jitterMilliseconds":0,"errorRate":0,
                                  "throttleRate":0,"retryAfterSeconds":1,"dropRate":0,
                                  "dropAfterApplyRate":0,"failRequests":["METHOD PATH-PREFIX"],
                                  "dropAfterApply":["METHOD PATH-PREFIX"],"seed":null}
                                  (dropAfterApply: handled, e.g. a write stored, then the
                                  connection dropped without the answer)
          GET/PUT /admin/controllers  {"token":true}  (switching the token controller on fills
                                  or deletes the token Secrets made while it was off)
        """;

    public static async Task<int> Main(string[] args)
    {
        LocalApiServerOptions options;
        try
        {
            options = Parse(args, out bool help);
            if (help)
            {
                Console.WriteLine(Usage);
                return 0;
            }
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine("Run with --help for the list of options.");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        await using LocalApiServerHost server = await LocalApiServerHost.StartAsync(options, stop.Token).ConfigureAwait(false);
        Console.WriteLine($"Local API server listening on {server.Url}");
        Console.WriteLine($"Kubeconfig: {server.KubeconfigPath}");
        Console.Out.Flush();
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // SIGINT or SIGTERM: fall through to a clean shutdown.
        }
        Console.WriteLine("Stopping.");
        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>Parses the command line; FormatException names the offending option.</summary>
    public static LocalApiServerOptions Parse(IReadOnlyList<string> args, out bool help)
    {
        var options = new LocalApiServerOptions();
        var faults = new FaultSettings();
        help = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string? inline = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=') is > 2 and var eq)
            {
                inline = arg[(eq + 1)..];
                arg = arg[..eq];
            }
            string Value()
            {
                if (inline is not null) return inline;
                if (i + 1 >= args.Count) throw new FormatException($"{arg} needs a value");
                return args[++i];
            }
            switch (arg)
            {
                case "--help" or "-h":
                    help = true;
                    break;
                case "--port":
                    options.Port = ParseInt(arg, Value(), 0, 65535);
                    break;
                case "--kubeconfig":
                    options.KubeconfigPath = Value();
                    break;
                case "--state-dir":
                    options.StateDirectory = Value();
                    break;
                case "--token":
                    options.StaticTokens.Add(StaticToken.Parse(Value()));
                    break;
                case "--issuer":
                    options.Issuer = Value();
                    break;
                case "--api-audience":
                    options.ApiAudiences.Add(Value());
                    break;
                case "--max-token-expiration":
                    options.MaxTokenExpirationSeconds = ParseInt(arg, Value(), 600, int.MaxValue);
                    break;
                case "--anonymous-auth":
                    options.AnonymousAuth = Value() switch
                    {
                        "true" => true,
                        "false" => false,
                        var other => throw new FormatException($"--anonymous-auth expects true or false, not '{other}'"),
                    };
                    break;
                case "--no-token-controller":
                    options.TokenController = false;
                    break;
                case "--latency":
                    faults = faults with { LatencyMilliseconds = ParseInt(arg, Value(), 0, 600_000) };
                    break;
                case "--jitter":
                    faults = faults with { JitterMilliseconds = ParseInt(arg, Value(), 0, 600_000) };
                    break;
                case "--error-rate":
                    faults = faults with { ErrorRate = ParseRate(arg, Value()) };
                    break;
                case "--throttle-rate":
                    faults = faults with { ThrottleRate = ParseRate(arg, Value()) };
                    break;
                case "--retry-after":
                    faults = faults with { RetryAfterSeconds = ParseInt(arg, Value(), 1, 3600) };
                    break;
                case "--drop-rate":
                    faults = faults with { DropRate = ParseRate(arg, Value()) };
                    break;
                case "--verbose":
                    options.Verbose = true;
                    break;
                case "--capture-bodies":
                    options.CaptureDirectory = Value();
                    break;
                case "--request-log":
                    options.RequestLog = Value();
                    break;
                case "--secrets-log":
                    options.SecretsLog = Value();
                    break;
                default:
                    throw new FormatException($"unknown option '{args[i]}'");
            }
        }
        options.Faults = faults;
        return options;
    }

    private static int ParseInt(string option, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int parsed) && parsed >= min && parsed <= max
            ? parsed
            : throw new FormatException($"{option} expects a whole number between {min} and {max}, not '{value}'");

    private static double ParseRate(string option, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) && parsed is >= 0 and <= 1
            ? parsed
            : throw new FormatException($"{option} expects a number between 0 and 1, not '{value}'");
}
