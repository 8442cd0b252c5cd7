namespace K8sServiceAccount.Bench;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case ServerSarThroughput.Name:
                return await ServerSarThroughput.RunAsync(args[1..]);
            default:
                Console.Error.WriteLine($"usage: K8sServiceAccount.Bench <scenario> [options]; scenarios: {ServerSarThroughput.Name}");
                return 2;
        }
    }
}
